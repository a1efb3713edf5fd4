//! `location` inputs (S3, Azure Blob): checked against the seed's required members, then
//! refused, since this server cannot reach either service.

use serde_json::Value;

use crate::error::ApresError;

/// The location types the seed defines, their required members, and the service's name.
const TYPES: [(&str, &[&str], &str); 2] = [
    ("s3", &["bucket_name", "region"], "S3"),
    (
        "azure-blob",
        &["blob_endpoint", "container", "sas_token"],
        "Azure Blob Storage",
    ),
];

/// The 422 answer for a `location`: the first problem with it, or that it is unsupported.
pub(super) fn refuse(location: &Value) -> ApresError {
    let Some(object) = location.as_object() else {
        return ApresError::unprocessable("location must be an object with a \"type\"");
    };
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        None | Some(Value::Null) => {
            return ApresError::unprocessable(
                "location.type is required: one of \"s3\" or \"azure-blob\"",
            );
        }
        Some(other) => {
            return ApresError::unprocessable(format!(
                "location.type must be one of \"s3\" or \"azure-blob\", not {other}"
            ));
        }
    };
    let Some((_, required, service)) = TYPES.iter().find(|(name, _, _)| *name == kind) else {
        return ApresError::unprocessable(format!(
            "location.type must be one of \"s3\" or \"azure-blob\", not \"{kind}\""
        ));
    };
    let present = |member: &str| {
        object
            .get(member)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if let Some(missing) = required.iter().find(|member| !present(member)) {
        return ApresError::unprocessable(format!(
            "location.{missing} is required for location type \"{kind}\""
        ));
    }
    ApresError::unprocessable(format!(
        "location type \"{kind}\" is not supported on this server: it cannot reach {service}; \
         send the data inline in \"files\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(location: Value) -> String {
        let err = refuse(&location);
        assert_eq!(err.status(), 422);
        err.message().to_owned()
    }

    #[test]
    fn complete_locations_are_unsupported() {
        let s3 = json!({"type": "s3", "bucket_name": "task-test.apres.io", "region": "us-west-1", "prefix": "birds/"});
        assert_eq!(
            message(s3),
            "location type \"s3\" is not supported on this server: it cannot reach S3; send the data inline in \"files\""
        );
        let azure = json!({"type": "azure-blob", "blob_endpoint": "https://x.blob.core.windows.net",
            "container": "c", "sas_token": "?sv=1"});
        assert!(
            message(azure)
                .contains("\"azure-blob\" is not supported on this server: it cannot reach Azure")
        );
    }

    #[test]
    fn missing_members_are_named() {
        assert_eq!(
            message(json!({"type": "s3", "bucket_name": "b"})),
            "location.region is required for location type \"s3\""
        );
        assert_eq!(
            message(json!({"type": "s3", "region": "us-west-1", "bucket_name": ""})),
            "location.bucket_name is required for location type \"s3\""
        );
        assert_eq!(
            message(json!({"type": "azure-blob", "blob_endpoint": "e", "container": "c"})),
            "location.sas_token is required for location type \"azure-blob\""
        );
    }

    #[test]
    fn unknown_or_missing_type() {
        let unknown = message(json!({"type": "gcs"}));
        assert!(
            unknown.contains("\"s3\" or \"azure-blob\"") && unknown.contains("\"gcs\""),
            "{unknown}"
        );
        assert!(message(json!({})).starts_with("location.type is required"));
        assert!(message(json!("s3")).starts_with("location must be an object"));
    }
}
