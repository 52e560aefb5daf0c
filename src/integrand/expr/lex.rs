//! The tokenizer: splits an expression into numbers, names and symbols, each
//! tagged with its 1-based column (in characters).

use super::parse_error;
use crate::error::Error;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok {
    /// A number literal (never negative: a leading `-` is an operator).
    Num(f64),
    /// A name: a variable, a constant or a function.
    Ident,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `^`
    Caret,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// The end of the input.
    End,
}

/// One token and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Token {
    /// The token's kind (and value, for numbers).
    pub kind: Tok,
    /// 1-based column of its first character.
    pub col: usize,
    /// Byte range in the source.
    pub start: usize,
    /// End of the byte range in the source.
    pub end: usize,
}

impl Token {
    /// The token's text in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// How an error message quotes this token: `'sin'`, `')'`, or
    /// `end of expression`.
    pub fn describe(&self, src: &str) -> String {
        match self.kind {
            Tok::End => "end of expression".to_string(),
            _ => format!("'{}'", self.text(src)),
        }
    }
}

/// Splits `src` into tokens, ending with a [`Tok::End`] token whose column is
/// one past the last character.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    // Column of byte `i`: characters before it, plus one.
    let mut col = 1;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                col += 1;
                continue;
            }
            b'0'..=b'9' | b'.' => {
                i = scan_number(bytes, i);
                let text = &src[start..i];
                match text.parse::<f64>() {
                    Ok(v) => Tok::Num(v),
                    Err(_) => {
                        return Err(parse_error(
                            format!("malformed number '{text}' at column {col}"),
                            col,
                        ))
                    }
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Ident
            }
            b'+' | b'-' | b'*' | b'/' | b'^' | b'(' | b')' | b',' => {
                i += 1;
                match c {
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    b'*' => Tok::Star,
                    b'/' => Tok::Slash,
                    b'^' => Tok::Caret,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    _ => Tok::Comma,
                }
            }
            _ => {
                let ch = src[start..].chars().next().unwrap_or('?');
                return Err(parse_error(
                    format!("unexpected character '{ch}' at column {col}"),
                    col,
                ));
            }
        };
        toks.push(Token {
            kind,
            col,
            start,
            end: i,
        });
        // Tokens are ASCII, so bytes and characters coincide.
        col += i - start;
    }
    toks.push(Token {
        kind: Tok::End,
        col,
        start: bytes.len(),
        end: bytes.len(),
    });
    Ok(toks)
}

/// End of the number literal starting at `i`: digits with at most one `.`,
/// then an optional exponent `e[+-]digits`. A trailing `e` that is not
/// followed by digits is included so that the literal is reported malformed.
fn scan_number(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if i < b.len() && b[i] == b'.' {
        i = digits(b, i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let k = digits(b, j);
        // `2e` or `2e+` is malformed; `2ex` lexes as the malformed `2e`.
        i = if k > j { k } else { j };
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_in_all_accepted_forms() {
        assert_eq!(kinds("1e-3"), vec![Tok::Num(1e-3), Tok::End]);
        assert_eq!(kinds(".5"), vec![Tok::Num(0.5), Tok::End]);
        assert_eq!(kinds("2."), vec![Tok::Num(2.0), Tok::End]);
        assert_eq!(kinds("1.5E+2"), vec![Tok::Num(150.0), Tok::End]);
        assert_eq!(kinds("12"), vec![Tok::Num(12.0), Tok::End]);
    }

    #[test]
    fn columns_count_characters_and_skip_whitespace() {
        let t = tokenize("  sin( x )").unwrap();
        let cols: Vec<usize> = t.iter().map(|t| t.col).collect();
        assert_eq!(cols, vec![3, 6, 8, 10, 11]);
    }

    #[test]
    fn malformed_numbers_and_stray_characters_are_errors() {
        let msg = |s: &str| tokenize(s).unwrap_err().to_string();
        assert_eq!(msg("x + 2e"), "malformed number '2e' at column 5");
        assert_eq!(msg("x $ 1"), "unexpected character '$' at column 3");
        assert_eq!(msg("é"), "unexpected character 'é' at column 1");
        assert_eq!(msg("."), "malformed number '.' at column 1");
    }
}
