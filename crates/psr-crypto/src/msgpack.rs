//! The MessagePack subset the protocol uses: one array whose elements are all
//! of type `bin`.
//!
//! The writer picks the shortest header, as the vendor's clients do. The
//! reader accepts array headers fixarray, `DC` (array16) and `DD` (array32),
//! bin headers `C4`, `C5` and `C6`, and rejects every other type, truncated
//! data and bytes after the array.

use crate::error::MsgpackError;

/// Encodes `items` as a MessagePack array of `bin` items.
pub fn write_bin_array(items: &[&[u8]]) -> Result<Vec<u8>, MsgpackError> {
    let body_len: usize = items.iter().map(|item| item.len() + 5).sum();
    let mut out = Vec::with_capacity(5 + body_len);

    let count = u32::try_from(items.len()).map_err(|_| MsgpackError::TooLong)?;
    if count < 16 {
        out.push(0x90 | count as u8);
    } else if let Ok(count) = u16::try_from(count) {
        out.push(0xDC);
        out.extend_from_slice(&count.to_be_bytes());
    } else {
        out.push(0xDD);
        out.extend_from_slice(&count.to_be_bytes());
    }

    for item in items {
        let len = u32::try_from(item.len()).map_err(|_| MsgpackError::TooLong)?;
        if let Ok(len) = u8::try_from(len) {
            out.push(0xC4);
            out.push(len);
        } else if let Ok(len) = u16::try_from(len) {
            out.push(0xC5);
            out.extend_from_slice(&len.to_be_bytes());
        } else {
            out.push(0xC6);
            out.extend_from_slice(&len.to_be_bytes());
        }
        out.extend_from_slice(item);
    }
    Ok(out)
}

/// Decodes a MessagePack array of `bin` items that fills all of `data`.
///
/// Returns the items as slices of `data`.
pub fn read_bin_array(data: &[u8]) -> Result<Vec<&[u8]>, MsgpackError> {
    let mut reader = Reader { data };
    let count = reader.array_header()?;

    // Every item needs at least two bytes, so a count larger than that is
    // truncated data; the cap keeps a forged count from allocating.
    let mut items = Vec::with_capacity(count.min(reader.data.len() / 2));
    for _ in 0..count {
        items.push(reader.bin()?);
    }

    if !reader.data.is_empty() {
        return Err(MsgpackError::TrailingBytes);
    }
    Ok(items)
}

/// Cursor over the remaining input.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], MsgpackError> {
        if self.data.len() < len {
            return Err(MsgpackError::Truncated);
        }
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, MsgpackError> {
        Ok(self.take(1)?[0])
    }

    fn length(&mut self, width: usize) -> Result<usize, MsgpackError> {
        let bytes = self.take(width)?;
        let value = bytes
            .iter()
            .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
        usize::try_from(value).map_err(|_| MsgpackError::Truncated)
    }

    fn array_header(&mut self) -> Result<usize, MsgpackError> {
        match self.byte()? {
            tag @ 0x90..=0x9F => Ok(usize::from(tag & 0x0F)),
            0xDC => self.length(2),
            0xDD => self.length(4),
            tag => Err(MsgpackError::NotArray(tag)),
        }
    }

    fn bin(&mut self) -> Result<&'a [u8], MsgpackError> {
        let len = match self.byte()? {
            0xC4 => self.length(1)?,
            0xC5 => self.length(2)?,
            0xC6 => self.length(4)?,
            tag => return Err(MsgpackError::NotBin(tag)),
        };
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_picks_shortest_headers() {
        let short = [0u8; 3];
        let medium = vec![0u8; 300];
        let long = vec![0u8; 70_000];
        let encoded = write_bin_array(&[&short, &medium, &long]).expect("encodable");
        assert_eq!(&encoded[..3], &[0x93, 0xC4, 3]);
        assert_eq!(&encoded[6..9], &[0xC5, 0x01, 0x2C]);
        assert_eq!(&encoded[309..314], &[0xC6, 0x00, 0x01, 0x11, 0x70]);
        assert_eq!(encoded.len(), 1 + 2 + 3 + 3 + 300 + 5 + 70_000);
    }

    #[test]
    fn writer_uses_array16_from_16_items() {
        let items: Vec<&[u8]> = vec![&[]; 16];
        let encoded = write_bin_array(&items).expect("encodable");
        assert_eq!(&encoded[..3], &[0xDC, 0x00, 0x10]);
    }

    #[test]
    fn reader_round_trips_writer_output() {
        let items: Vec<Vec<u8>> = vec![vec![], vec![7; 255], vec![8; 256], vec![9; 65_536]];
        let slices: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        let encoded = write_bin_array(&slices).expect("encodable");
        assert_eq!(read_bin_array(&encoded).expect("valid"), slices);
    }

    #[test]
    fn reader_accepts_array16_and_array32() {
        let array16 = [0xDC, 0x00, 0x01, 0xC4, 0x01, 0xAA];
        let array32 = [0xDD, 0x00, 0x00, 0x00, 0x01, 0xC5, 0x00, 0x01, 0xBB];
        assert_eq!(read_bin_array(&array16).expect("valid"), vec![&[0xAA][..]]);
        assert_eq!(read_bin_array(&array32).expect("valid"), vec![&[0xBB][..]]);
    }

    #[test]
    fn reader_accepts_bin32() {
        let data = [0x91, 0xC6, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02];
        assert_eq!(read_bin_array(&data).expect("valid"), vec![&[1, 2][..]]);
    }

    #[test]
    fn reader_rejects_non_bin_items() {
        // A fixstr item.
        assert_eq!(
            read_bin_array(&[0x91, 0xA1, 0x41]),
            Err(MsgpackError::NotBin(0xA1))
        );
        // A positive fixint item.
        assert_eq!(
            read_bin_array(&[0x91, 0x05]),
            Err(MsgpackError::NotBin(0x05))
        );
    }

    #[test]
    fn reader_rejects_non_array() {
        assert_eq!(read_bin_array(&[0x80]), Err(MsgpackError::NotArray(0x80)));
        assert_eq!(
            read_bin_array(&[0xC4, 0x00]),
            Err(MsgpackError::NotArray(0xC4))
        );
    }

    #[test]
    fn reader_rejects_truncation() {
        assert_eq!(read_bin_array(&[]), Err(MsgpackError::Truncated));
        assert_eq!(
            read_bin_array(&[0x92, 0xC4, 0x00]),
            Err(MsgpackError::Truncated)
        );
        assert_eq!(
            read_bin_array(&[0x91, 0xC4, 0x02, 0x01]),
            Err(MsgpackError::Truncated)
        );
        assert_eq!(
            read_bin_array(&[0x91, 0xC5, 0x00]),
            Err(MsgpackError::Truncated)
        );
        assert_eq!(
            read_bin_array(&[0xDD, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(MsgpackError::Truncated)
        );
    }

    #[test]
    fn reader_rejects_trailing_bytes() {
        assert_eq!(
            read_bin_array(&[0x90, 0x00]),
            Err(MsgpackError::TrailingBytes)
        );
    }
}
