//! The CSV record reader of the catalog and scores files: RFC 4180 records over text in
//! memory, each with the line it starts on.

use std::borrow::Cow;

use memchr::{memchr2, memchr3};

/// An RFC 4180 record reader over in-memory text that knows the line each record starts on
/// (quoted fields may hold commas, doubled quotes and line breaks).
pub struct CsvRecords<'a> {
    text: &'a str,
    position: usize,
    line: u64,
}

/// A record's first line and its fields (borrowed from the text unless a doubled quote had to
/// be unescaped), or the line and description of what is wrong.
pub type RecordResult<'a> = std::result::Result<(u64, Vec<Cow<'a, str>>), (u64, String)>;

impl<'a> CsvRecords<'a> {
    pub fn new(text: &'a str) -> Self {
        CsvRecords {
            text,
            position: 0,
            line: 1,
        }
    }

    /// The next record, `None` at the end of the text.
    pub fn next_record(&mut self) -> Option<RecordResult<'a>> {
        let mut fields = Vec::with_capacity(12);
        self.next_record_into(&mut fields)
            .map(|result| result.map(|line| (line, fields)))
    }

    /// Like [`CsvRecords::next_record`], but the fields go into `fields` (cleared first) so
    /// that one vector serves every record; the result is the record's first line.
    pub fn next_record_into(
        &mut self,
        fields: &mut Vec<Cow<'a, str>>,
    ) -> Option<std::result::Result<u64, (u64, String)>> {
        let length = self.text.len();
        if self.position >= length {
            return None;
        }
        fields.clear();
        let start_line = self.line;
        loop {
            let (field, ended_record) = match self.read_field(start_line) {
                Ok(result) => result,
                Err(error) => {
                    // Skip the rest of the text: the reader cannot resynchronise reliably.
                    self.position = length;
                    return Some(Err(error));
                }
            };
            fields.push(field);
            if ended_record {
                return Some(Ok(start_line));
            }
        }
    }

    /// Reads one field; the flag tells whether it ended the record (line break or end of text).
    fn read_field(
        &mut self,
        start_line: u64,
    ) -> std::result::Result<(Cow<'a, str>, bool), (u64, String)> {
        let text: &'a str = self.text;
        let bytes = text.as_bytes();
        let value = if bytes.get(self.position) == Some(&b'"') {
            let opening_line = self.line;
            self.position += 1;
            let content_start = self.position;
            // Borrowed until a doubled quote forces an unescaped copy.
            let mut unescaped: Option<String> = None;
            let mut chunk_start = self.position;
            loop {
                // One pass finds the next quote and counts the line breaks before it.
                let Some(quote) = self.next_quote_counting_lines() else {
                    return Err((
                        start_line,
                        format!(
                            "unterminated quoted field (opened on line {opening_line}); \
                             expected a closing '\"'"
                        ),
                    ));
                };
                if bytes.get(quote + 1) == Some(&b'"') {
                    let buffer = unescaped.get_or_insert_with(String::new);
                    buffer.push_str(&text[chunk_start..=quote]);
                    self.position = quote + 2;
                    chunk_start = self.position;
                } else {
                    self.position = quote;
                    break;
                }
            }
            let value = match unescaped {
                Some(mut buffer) => {
                    buffer.push_str(&text[chunk_start..self.position]);
                    Cow::Owned(buffer)
                }
                None => Cow::Borrowed(&text[content_start..self.position]),
            };
            self.position += 1;
            value
        } else {
            let start = self.position;
            self.position += field_end(&bytes[start..]).unwrap_or(bytes.len() - start);
            Cow::Borrowed(&text[start..self.position])
        };
        match self.end_of_field() {
            Some(ended_record) => Ok((value, ended_record)),
            None if bytes[self.position] == b'\r' => Err((
                self.line,
                "a bare carriage return; expected a line break".into(),
            )),
            None => Err((
                self.line,
                "unexpected character after a closing quote; expected ',' or a line break".into(),
            )),
        }
    }

    /// The position of the next `"` from the current position, adding the line breaks on the
    /// way to the line count (`None` if there is no quote left).
    fn next_quote_counting_lines(&mut self) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut position = self.position;
        loop {
            position += quote_or_line_break(&bytes[position..])?;
            if bytes[position] == b'"' {
                return Some(position);
            }
            self.line += 1;
            position += 1;
        }
    }

    /// Consumes the separator after a field: `Some(false)` after a comma, `Some(true)` after a
    /// line break or at the end of the text, `None` if something else follows.
    fn end_of_field(&mut self) -> Option<bool> {
        let bytes = self.text.as_bytes();
        match bytes.get(self.position) {
            None => Some(true),
            Some(b',') => {
                self.position += 1;
                Some(false)
            }
            Some(b'\n') => {
                self.position += 1;
                self.line += 1;
                Some(true)
            }
            Some(b'\r') if bytes.get(self.position + 1) == Some(&b'\n') => {
                self.position += 2;
                self.line += 1;
                Some(true)
            }
            Some(_) => None,
        }
    }
}

/// Index of the first byte that ends an unquoted field (a comma or a line break). memchr
/// scans a vector register at a time: fields and descriptions are long enough for a
/// byte-at-a-time loop to dominate the parse.
fn field_end(bytes: &[u8]) -> Option<usize> {
    memchr3(b',', b'\n', b'\r', bytes)
}

/// Index of the first quote or line feed in `bytes`, inside a quoted field.
fn quote_or_line_break(bytes: &[u8]) -> Option<usize> {
    memchr2(b'"', b'\n', bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_scans_find_the_first_match_at_every_offset() {
        let text = "abcdefgh,ijklmnop\nqrstuvw\r\"xyz\u{e9}\u{3a3}0123456789";
        for start in 0..text.len() {
            let bytes = &text.as_bytes()[start..];
            let naive3 = bytes
                .iter()
                .position(|&b| b == b',' || b == b'\n' || b == b'\r');
            assert_eq!(field_end(bytes), naive3, "from {start}");
            let naive2 = bytes.iter().position(|&b| b == b'"' || b == b'\n');
            assert_eq!(quote_or_line_break(bytes), naive2, "from {start}");
        }
        // A match right after a byte one above the target (the old SWAR scan's borrow case).
        assert_eq!(quote_or_line_break(b"#\"aaaaaaaa"), Some(1));
    }
}
