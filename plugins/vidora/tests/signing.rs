//! Request signing against vectors computed outside this crate (Python's hashlib and base64,
//! with the reference implementation of VIDORA.md §4), and every near variant refused. The
//! variants are built here, by hand, not with the crate's own signer.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use plinth_vidora::signing::{SignedRequest, SigningError, api_key, parse_expires, verify};
use sha2::{Digest, Sha256};

const SECRET: &str = "s3cr3t";
/// 2029-12-31T23:00Z: an hour before the vectors' `expires`.
const NOW: i64 = 1_893_452_400_000;
const GET_SIGNATURE: &str = "4/puqBg02zGf3XK4t6iUvmHADtXprObMMAjL+WRdivg";
const POST_SIGNATURE: &str = "7PgGOfK/Z5ZJ6NIfy/Q6p9NMexI7n2lDB4zHvEcIUcU";
const BODY: &[u8] = b"--B\r\nContent-Disposition: form-data; name=\"data\"; filename=\"l.csv\"\r\n\r\nid,label\r\n1,yes\r\n--B--\r\n";

/// CGI.escape, as Ruby's `to_query` escapes values.
fn escape(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn get_query(signature: &str) -> String {
    format!(
        "api_key=k1&expires={}&signature={}",
        escape("2030-01-01T00:00"),
        escape(signature)
    )
}

fn post_query(signature: &str) -> String {
    format!(
        "api_key=k1&expires={}&label_type=classification&name={}&signature={}",
        escape("2030-01-01T00:00"),
        escape("My New Label Set"),
        escape(signature)
    )
}

fn check(method: &str, path: &str, query: &str, body: &[u8]) -> Result<(), SigningError> {
    let request = SignedRequest {
        method,
        path,
        raw_query: query,
        body,
    };
    verify(&request, SECRET, true, NOW, 60_000)
}

/// The seed's text hashed with a digest and an encoding of the test's choosing.
fn variant(text: &[u8], hmac: bool, url_safe: bool) -> String {
    let digest: Vec<u8> = if hmac {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(text);
        mac.finalize().into_bytes().to_vec()
    } else {
        Sha256::digest(text).to_vec()
    };
    let mut s = if url_safe {
        URL_SAFE_NO_PAD.encode(&digest)
    } else {
        STANDARD.encode(&digest)
    };
    s.truncate(43);
    s
}

#[test]
fn the_seeds_algorithm_is_accepted() {
    assert_eq!(
        check("GET", "/v1/api/label_sets", &get_query(GET_SIGNATURE), b""),
        Ok(())
    );
    assert_eq!(
        check(
            "POST",
            "/v1/api/label_sets",
            &post_query(POST_SIGNATURE),
            BODY
        ),
        Ok(())
    );
    // The same request with the values escaped differently (%20 instead of +) and the pairs in
    // another order on the wire.
    let reordered = format!(
        "signature={}&name=My%20New%20Label%20Set&api_key=k1&label_type=classification&expires=2030-01-01T00:00",
        escape(POST_SIGNATURE)
    );
    assert_eq!(
        check("POST", "/v1/api/label_sets", &reordered, BODY),
        Ok(())
    );
}

#[test]
fn a_padded_or_unescaped_signature_is_accepted() {
    let padded = format!("{GET_SIGNATURE}=");
    assert_eq!(
        check("GET", "/v1/api/label_sets", &get_query(&padded), b""),
        Ok(())
    );
    // The client did not escape `+` (it arrives as a space) nor `/`.
    let raw = format!("api_key=k1&expires=2030-01-01T00:00&signature={GET_SIGNATURE}");
    assert_eq!(check("GET", "/v1/api/label_sets", &raw, b""), Ok(()));
}

#[test]
fn every_near_variant_is_refused() {
    let path = "/v1/api/label_sets";
    let sorted =
        "api_key=k1&expires=2030-01-01T00:00&label_type=classification&name=My New Label Set";
    let text = |method: &str, params: &str, body: &[u8]| -> Vec<u8> {
        let mut t = format!("{SECRET}\n{method}\n{path}\n{params}\n").into_bytes();
        t.extend_from_slice(body);
        t
    };
    // The test's own signer reproduces the vector: the variants below differ from it in one way.
    assert_eq!(
        variant(&text("POST", sorted, BODY), false, false),
        POST_SIGNATURE
    );
    let escaped =
        "api_key=k1&expires=2030-01-01T00%3A00&label_type=classification&name=My+New+Label+Set";
    let unsorted =
        "name=My New Label Set&label_type=classification&api_key=k1&expires=2030-01-01T00:00";
    let cases = [
        (
            "params escaped in the signed string",
            variant(&text("POST", escaped, BODY), false, false),
        ),
        (
            "body left out",
            variant(&text("POST", sorted, b""), false, false),
        ),
        (
            "params in the wrong order",
            variant(&text("POST", unsorted, BODY), false, false),
        ),
        (
            "lower-case method",
            variant(&text("post", sorted, BODY), false, false),
        ),
        (
            "HMAC instead of the plain hash",
            variant(&text("POST", sorted, BODY), true, false),
        ),
        (
            "URL-safe Base64",
            variant(&text("POST", sorted, BODY), false, true),
        ),
        ("the signature cut to 42", POST_SIGNATURE[..42].to_owned()),
    ];
    for (what, signature) in cases {
        assert_ne!(signature, POST_SIGNATURE, "{what} must differ");
        assert_eq!(
            check("POST", path, &post_query(&signature), BODY),
            Err(SigningError::BadSignature),
            "{what}"
        );
    }
    // The request itself changed after signing.
    let sig = post_query(POST_SIGNATURE);
    assert_eq!(
        check("PUT", path, &sig, BODY),
        Err(SigningError::BadSignature)
    );
    assert_eq!(
        check("POST", "/v1/api/label_sets/", &sig, BODY),
        Err(SigningError::BadSignature),
        "a path normalised before the check"
    );
    assert_eq!(
        check("POST", path, &sig, &BODY[1..]),
        Err(SigningError::BadSignature)
    );
    let extra = format!("{sig}&ancestor_set_id=7");
    assert_eq!(
        check("POST", path, &extra, BODY),
        Err(SigningError::BadSignature)
    );
}

#[test]
fn keys_expiry_and_missing_parts() {
    let path = "/v1/api/label_sets";
    assert_eq!(
        check("GET", path, "expires=2030-01-01T00:00&signature=x", b""),
        Err(SigningError::MissingApiKey)
    );
    assert_eq!(
        check("GET", path, "api_key=k1&signature=x", b""),
        Err(SigningError::MissingExpires)
    );
    assert_eq!(
        check("GET", path, "api_key=k1&expires=2030-01-01T00:00", b""),
        Err(SigningError::MissingSignature)
    );
    assert_eq!(
        check(
            "GET",
            path,
            &format!(
                "api_key=k1&expires=soon&signature={}",
                escape(GET_SIGNATURE)
            ),
            b""
        ),
        Err(SigningError::BadExpires("soon".into()))
    );
    let late = SignedRequest {
        method: "GET",
        path,
        raw_query: &get_query(GET_SIGNATURE),
        body: b"",
    };
    let after = parse_expires("2030-01-01T00:00").unwrap() + 61_000;
    assert!(matches!(
        verify(&late, SECRET, true, after, 60_000),
        Err(SigningError::Expired(_))
    ));
    assert_eq!(
        verify(&late, SECRET, true, after - 2_000, 60_000),
        Ok(()),
        "within the skew"
    );
    // Signing off for the key: the api_key alone.
    let bare = SignedRequest {
        method: "GET",
        path,
        raw_query: "api_key=k1",
        body: b"",
    };
    assert_eq!(verify(&bare, SECRET, false, NOW, 0), Ok(()));
    assert_eq!(api_key("expires=x&api_key=k%201").unwrap(), "k 1");
    assert_eq!(
        parse_expires("2030-01-01T00:00:30Z"),
        Some(parse_expires("2030-01-01T00:00").unwrap() + 30_000)
    );
}
