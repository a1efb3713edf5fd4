//! Label-set uploads: the `multipart/form-data` body of `POST /v1/api/label_sets`, already
//! buffered (it is signed byte for byte), parsed into fields and files ([`parse_form`]), and a
//! file part decoded, gunzipped when it is gzip, with its size capped ([`decode_file`]).

use std::convert::Infallible;
use std::future::Future;
use std::io::Read;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use flate2::read::MultiGzDecoder;

/// Why an upload was refused. [`UploadError::status`] gives the HTTP status to answer with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    /// The request has no `Content-Type`, or one other than `multipart/form-data`.
    #[error("uploads must be multipart/form-data (got {got})")]
    NotMultipart {
        /// The Content-Type that was sent, or `no Content-Type`.
        got: String,
    },
    /// The `multipart/form-data` Content-Type has no `boundary` parameter.
    #[error(
        "the multipart/form-data Content-Type has no boundary \
         (send e.g. `multipart/form-data; boundary=BOUNDARY`)"
    )]
    NoBoundary,
    /// The body does not follow the multipart syntax.
    #[error("malformed multipart body: {0}")]
    Malformed(String),
    /// A text field whose value is not UTF-8.
    #[error("form field \"{field}\" is not valid UTF-8")]
    FieldNotUtf8 {
        /// The field's name.
        field: String,
    },
    /// A file, once decompressed, is larger than the limit (HTTP 413).
    #[error("the uploaded file is larger than {limit} bytes once decompressed")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A file that looks gzipped but does not inflate (corrupt or truncated).
    #[error("file \"{file}\" is not a valid gzip file (corrupt or truncated): {reason}")]
    BadGzip {
        /// The file's name as uploaded, or the form field's name when it has none.
        file: String,
        /// What the decoder reported.
        reason: String,
    },
}

impl UploadError {
    /// The HTTP status for this error: 413 for [`UploadError::TooLarge`], 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            UploadError::TooLarge { .. } => 413,
            _ => 400,
        }
    }
}

/// One file part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field's name (`labels`).
    pub field: String,
    /// The `filename` of its Content-Disposition, if any.
    pub filename: Option<String>,
    /// The part's own Content-Type (`text/csv`, `application/gzip`...), if any.
    pub content_type: Option<String>,
    /// The part's bytes, as sent.
    pub bytes: Vec<u8>,
}

/// A parsed `multipart/form-data` body: text fields and files, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// Text fields as `(name, value)`.
    pub fields: Vec<(String, String)>,
    /// File parts.
    pub files: Vec<FilePart>,
}

impl Form {
    /// The value of the first text field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first file part whose field is called `name`.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.iter().find(|f| f.field == name)
    }
}

/// Parses a buffered `multipart/form-data` body, given the request's Content-Type.
///
/// A part is a file when it has a `filename`, or a Content-Type other than `text/plain`;
/// otherwise it is a text field, which must be UTF-8. A body that ends right after a
/// delimiter line (`--BOUNDARY\r\n`, without the closing `--`, as in the seed's first
/// example) is accepted as if it were closed.
pub fn parse_form(content_type: Option<&str>, body: &[u8]) -> Result<Form, UploadError> {
    let ct = content_type.ok_or_else(|| UploadError::NotMultipart {
        got: "no Content-Type".to_owned(),
    })?;
    let boundary = multer::parse_boundary(ct).map_err(|e| match e {
        multer::Error::NoBoundary => UploadError::NoBoundary,
        _ => UploadError::NotMultipart {
            got: format!("Content-Type: {ct}"),
        },
    })?;
    let body = close_unterminated(body, &boundary);
    let stream = futures::stream::iter([Ok::<Bytes, Infallible>(body)]);
    let mut multipart = multer::Multipart::new(stream, boundary);
    let malformed = |e: multer::Error| UploadError::Malformed(e.to_string());
    let mut form = Form::default();
    while let Some(part) = ready(multipart.next_field())?.map_err(malformed)? {
        let field = part.name().unwrap_or_default().to_owned();
        let filename = part.file_name().map(str::to_owned);
        let content_type = part.content_type().map(|m| m.to_string());
        let bytes = ready(part.bytes())?.map_err(malformed)?.to_vec();
        let is_text = content_type
            .as_deref()
            .is_none_or(|c| c.to_ascii_lowercase().starts_with("text/plain"));
        if filename.is_none() && is_text {
            let value = String::from_utf8(bytes).map_err(|_| UploadError::FieldNotUtf8 {
                field: field.clone(),
            })?;
            form.fields.push((field, value));
        } else {
            form.files.push(FilePart {
                field,
                filename,
                content_type,
                bytes,
            });
        }
    }
    Ok(form)
}

/// The body, with the closing `--` appended when it ends right after a delimiter line
/// (`--BOUNDARY\r\n` or `--BOUNDARY`) rather than with the close delimiter (checked first:
/// with an all-dash boundary the close delimiter also ends with the delimiter).
fn close_unterminated(body: &[u8], boundary: &str) -> Bytes {
    let delimiter = format!("--{boundary}");
    let trimmed = body.strip_suffix(b"\r\n").unwrap_or(body);
    let closed = trimmed.ends_with(format!("{delimiter}--").as_bytes());
    if !closed && trimmed.ends_with(delimiter.as_bytes()) {
        let mut with_close = Vec::with_capacity(trimmed.len() + 4);
        with_close.extend_from_slice(trimmed);
        with_close.extend_from_slice(b"--\r\n");
        Bytes::from(with_close)
    } else {
        Bytes::copy_from_slice(body)
    }
}

/// Runs a future over the in-memory body. The stream never waits, so neither does the
/// parser; a future that would still be pending is reported rather than spun on.
fn ready<F: Future>(future: F) -> Result<F::Output, UploadError> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(out) => Ok(out),
        Poll::Pending => Err(UploadError::Malformed(
            "the multipart parser stopped before the end of the body".to_owned(),
        )),
    }
}

/// The content of a file part: gunzipped when it is gzip (its bytes start with `1f 8b`, its
/// Content-Type is `application/gzip` or `application/x-gzip`, or its name ends in `.gz`),
/// as is otherwise. Beyond `max_decompressed` bytes it is refused with
/// [`UploadError::TooLarge`], without inflating more than one byte past the limit.
pub fn decode_file(part: &FilePart, max_decompressed: usize) -> Result<Vec<u8>, UploadError> {
    if !is_gzip(part) {
        if part.bytes.len() > max_decompressed {
            return Err(UploadError::TooLarge {
                limit: max_decompressed,
            });
        }
        return Ok(part.bytes.clone());
    }
    inflate_capped(&part.bytes[..], max_decompressed).map_err(|e| match e {
        Inflate::TooLarge => UploadError::TooLarge {
            limit: max_decompressed,
        },
        Inflate::Bad(reason) => UploadError::BadGzip {
            file: part.filename.clone().unwrap_or_else(|| part.field.clone()),
            reason,
        },
    })
}

fn is_gzip(part: &FilePart) -> bool {
    let magic = part.bytes.starts_with(&[0x1f, 0x8b]);
    let by_type = part.content_type.as_deref().is_some_and(|c| {
        let essence = c
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/gzip" || essence == "application/x-gzip"
    });
    let by_name = part
        .filename
        .as_deref()
        .is_some_and(|f| f.to_ascii_lowercase().ends_with(".gz"));
    magic || by_type || by_name
}

#[derive(Debug)]
enum Inflate {
    TooLarge,
    Bad(String),
}

/// Gunzips `compressed` (every gzip member), reading at most `max + 1` inflated bytes.
fn inflate_capped<R: Read>(compressed: R, max: usize) -> Result<Vec<u8>, Inflate> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    MultiGzDecoder::new(compressed)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| Inflate::Bad(e.to_string()))?;
    if out.len() > max {
        return Err(Inflate::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    const CT: &str = "multipart/form-data; boundary=BOUNDARY";
    const CSV: &[u8] = b"id,label\r\nA,1\r\nB,0\r\nC,1\r\n";

    /// The seed's first example, `"#{file.read}\r\n"` then `--BOUNDARY\r\n` and no `--`.
    fn seed_body(closed: bool) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"--BOUNDARY\r\n");
        b.extend_from_slice(
            b"Content-Disposition: form-data; name=\"labels\"; filename=\"my_file.csv\"\r\n",
        );
        b.extend_from_slice(b"Content-Type: text/csv\r\n\r\n");
        b.extend_from_slice(CSV);
        b.extend_from_slice(b"\r\n");
        b.extend_from_slice(if closed {
            b"--BOUNDARY--\r\n".as_slice()
        } else {
            b"--BOUNDARY\r\n".as_slice()
        });
        b
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn part(filename: Option<&str>, content_type: Option<&str>, bytes: Vec<u8>) -> FilePart {
        FilePart {
            field: "labels".into(),
            filename: filename.map(Into::into),
            content_type: content_type.map(Into::into),
            bytes,
        }
    }

    #[test]
    fn seed_example_parses_with_and_without_the_closing_dashes() {
        for closed in [false, true] {
            let form = parse_form(Some(CT), &seed_body(closed)).unwrap();
            assert!(form.fields.is_empty(), "closed={closed}");
            let f = form.file("labels").expect("labels file");
            assert_eq!(f.filename.as_deref(), Some("my_file.csv"));
            assert_eq!(f.content_type.as_deref(), Some("text/csv"));
            assert_eq!(f.bytes, CSV);
        }
    }

    #[test]
    fn unterminated_body_without_final_crlf_is_tolerated() {
        let mut body = seed_body(false);
        body.truncate(body.len() - 2);
        let form = parse_form(Some(CT), &body).unwrap();
        assert_eq!(form.file("labels").unwrap().bytes, CSV);
    }

    #[test]
    fn a_closed_body_is_left_alone_even_when_the_boundary_is_all_dashes() {
        // With boundary "-", the close delimiter "-----" also ends with the delimiter "---".
        let body = b"---\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nv\r\n-----\r\n";
        assert_eq!(close_unterminated(body, "-"), Bytes::copy_from_slice(body));
        let form = parse_form(Some("multipart/form-data; boundary=-"), body).unwrap();
        assert_eq!(form.field("name"), Some("v"));
        let open = &body[..body.len() - 4];
        assert!(open.ends_with(b"v\r\n---"));
        let form = parse_form(Some("multipart/form-data; boundary=-"), open).unwrap();
        assert_eq!(form.field("name"), Some("v"));
    }

    #[test]
    fn seed_example_with_form_fields() {
        let mut b = seed_body(false);
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"label_type\"\r\n\r\n");
        b.extend_from_slice(b"classification\r\n--BOUNDARY\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"name\"\r\n\r\n");
        b.extend_from_slice(b"My Classification Label Set\r\n--BOUNDARY--\r\n");
        let form = parse_form(Some(CT), &b).unwrap();
        assert_eq!(form.field("label_type"), Some("classification"));
        assert_eq!(form.field("name"), Some("My Classification Label Set"));
        assert_eq!(form.field("labels"), None);
        assert_eq!(form.files.len(), 1);
        assert!(form.file("name").is_none());
    }

    #[test]
    fn gzipped_labels_file_is_detected_and_inflated() {
        let gz = gzip(CSV);
        let mut b = Vec::new();
        b.extend_from_slice(b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"labels\"; ");
        b.extend_from_slice(
            b"filename=\"my_labels.csv.gz\"\r\nContent-Type: application/gzip\r\n\r\n",
        );
        b.extend_from_slice(&gz);
        b.extend_from_slice(b"\r\n--BOUNDARY--\r\n");
        let form = parse_form(Some(CT), &b).unwrap();
        let f = form.file("labels").unwrap();
        assert_eq!(f.bytes, gz);
        assert_eq!(decode_file(f, 1 << 20).unwrap(), CSV);
        // Detected by the magic bytes alone, too.
        let bare = part(Some("labels.csv"), Some("text/csv"), gz);
        assert_eq!(decode_file(&bare, 1 << 20).unwrap(), CSV);
    }

    #[test]
    fn plain_file_is_returned_as_is_and_capped() {
        let p = part(Some("a.csv"), Some("text/csv"), CSV.to_vec());
        assert_eq!(decode_file(&p, CSV.len()).unwrap(), CSV);
        let err = decode_file(&p, CSV.len() - 1).unwrap_err();
        assert_eq!(
            err,
            UploadError::TooLarge {
                limit: CSV.len() - 1
            }
        );
        assert_eq!(err.status(), 413);
    }

    /// 1 GiB of zeros compressed in one gzip member (about 1 MiB). The best level, because
    /// zlib-rs (the backend the workspace unifies flate2 on) compresses zeros only ~100:1 at
    /// the fast level.
    fn gzip_bomb() -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..1024 {
            e.write_all(&zeros).unwrap();
        }
        e.finish().unwrap()
    }

    /// Counts the compressed bytes the decoder pulls.
    struct Counting<'a>(&'a [u8], usize);
    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn gzip_bomb_is_refused_without_being_inflated() {
        let bomb = gzip_bomb();
        assert!(bomb.len() < 8 << 20, "bomb is {} bytes", bomb.len());
        let cap = 64 << 20;
        let p = part(Some("bomb.csv.gz"), Some("application/gzip"), bomb.clone());
        assert_eq!(
            decode_file(&p, cap),
            Err(UploadError::TooLarge { limit: cap })
        );
        // The decoder stopped early: it pulled well under the whole compressed file.
        let mut counting = Counting(&bomb, 0);
        assert!(matches!(
            inflate_capped(&mut counting, cap),
            Err(Inflate::TooLarge)
        ));
        assert!(
            counting.1 < bomb.len() / 4,
            "read {} of {}",
            counting.1,
            bomb.len()
        );
    }

    #[test]
    fn corrupt_and_truncated_gzip_name_the_file() {
        let mut gz = gzip(CSV);
        gz.truncate(gz.len() - 6);
        let p = part(Some("labels.csv.gz"), None, gz);
        match decode_file(&p, 1 << 20).unwrap_err() {
            UploadError::BadGzip { file, .. } => assert_eq!(file, "labels.csv.gz"),
            e => panic!("unexpected {e:?}"),
        }
        let junk = part(
            None,
            Some("application/x-gzip"),
            b"not gzip at all".to_vec(),
        );
        let err = decode_file(&junk, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("\"labels\""), "{err}");
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn non_multipart_and_missing_boundary_are_refused() {
        let err = parse_form(Some("application/json"), b"{}").unwrap_err();
        assert!(matches!(err, UploadError::NotMultipart { .. }));
        assert!(
            err.to_string().contains("must be multipart/form-data"),
            "{err}"
        );
        assert!(matches!(
            parse_form(None, b"").unwrap_err(),
            UploadError::NotMultipart { .. }
        ));
        let err = parse_form(Some("multipart/form-data"), &seed_body(true)).unwrap_err();
        assert_eq!(err, UploadError::NoBoundary);
        assert!(err.to_string().contains("boundary"));
    }

    #[test]
    fn non_utf8_text_field_is_named() {
        let mut b = b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n".to_vec();
        b.extend_from_slice(&[0xff, 0xfe, b'x']);
        b.extend_from_slice(b"\r\n--BOUNDARY--\r\n");
        let err = parse_form(Some(CT), &b).unwrap_err();
        assert_eq!(
            err,
            UploadError::FieldNotUtf8 {
                field: "name".into()
            }
        );
        assert!(err.to_string().contains("\"name\""));
    }

    #[test]
    fn garbage_body_is_malformed() {
        let err = parse_form(Some(CT), b"no delimiter here").unwrap_err();
        assert!(matches!(err, UploadError::Malformed(_)), "{err:?}");
    }
}
