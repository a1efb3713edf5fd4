//! What every CSV upload shares (batch files and load_batch): refusing binary files with a
//! message that says what they look like, requiring UTF-8, and a reader that lets rows of
//! the wrong width through so the caller can name their line.

use crate::error::ApresError;

/// Magic numbers of files that clients send by mistake, and what to call them.
const MAGIC: [(&[u8], &str); 7] = [
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"\x89PNG\r\n\x1A\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (b"\x1F\x8B", "a gzip file"),
    (b"PAR1", "a Parquet file"),
];

/// The contents as text, or a 422 `{label} is not a CSV file: ...`. A UTF-8 byte-order mark is
/// dropped.
pub(crate) fn text<'a>(label: &str, bytes: &'a [u8]) -> Result<&'a str, ApresError> {
    let not_csv =
        |why: String| ApresError::unprocessable(format!("{label} is not a CSV file: {why}"));
    if let Some((_, kind)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Err(not_csv(format!("it starts like {kind}")));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(not_csv(format!("it is binary (a NUL byte at offset {at})")));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        not_csv(format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

/// A reader with a header line that accepts rows of any width (see [`width`]).
pub(crate) fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// A 422 for a reader error (malformed quoting and the like), naming the label.
pub(crate) fn malformed(label: &str, error: &csv::Error) -> ApresError {
    ApresError::unprocessable(format!("{label} is not a CSV file: {error}"))
}

/// Checks a row's field count against the header's, naming the row's line.
pub(crate) fn width(label: &str, line: u64, got: usize, want: usize) -> Result<(), ApresError> {
    if got == want {
        return Ok(());
    }
    Err(ApresError::unprocessable(format!(
        "{label} line {line} has {got} fields; the header has {want}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_files_are_named() {
        let jpeg = text("data", b"\xFF\xD8\xFF\xE0\0\x10JFIF").unwrap_err();
        assert_eq!(jpeg.status(), 422);
        assert_eq!(
            jpeg.message(),
            "data is not a CSV file: it starts like a JPEG image"
        );
        let png = text("f", b"\x89PNG\r\n\x1A\n....").unwrap_err();
        assert!(png.message().ends_with("a PNG image"));
        assert!(
            text("f", b"a,b\n1,\0")
                .unwrap_err()
                .message()
                .contains("NUL byte at offset 6")
        );
    }

    #[test]
    fn not_utf8_names_the_offset() {
        let err = text("f", b"a,b\n\xE9,1\n").unwrap_err();
        assert_eq!(
            err.message(),
            "f is not a CSV file: it is not UTF-8 text (invalid byte at offset 4)"
        );
    }

    #[test]
    fn bom_is_dropped() {
        assert_eq!(text("f", "\u{FEFF}a,b\n".as_bytes()).unwrap(), "a,b\n");
    }

    #[test]
    fn width_message() {
        assert!(width("f", 3, 2, 2).is_ok());
        assert_eq!(
            width("f", 3, 1, 2).unwrap_err().message(),
            "f line 3 has 1 fields; the header has 2"
        );
    }
}
