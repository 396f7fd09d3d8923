//! Trigram index over the entries' search text.
//!
//! A content search reads only the entries that contain the rarest
//! three-byte sequence of its text, not every entry of the vault. So the
//! lookup time stays flat as the vault grows, as on a server whose
//! database indexes the text. The search still checks each candidate in
//! full, so the index only has to return a superset of the matches.

use std::collections::HashMap;

/// Entry indices, ascending, by each three-byte sequence of their search
/// text.
#[derive(Debug, Default)]
pub(crate) struct TrigramIndex {
    postings: HashMap<[u8; 3], Vec<u32>>,
}

impl TrigramIndex {
    /// Indexes texts by their position in the iterator.
    ///
    /// # Panics
    ///
    /// Panics with more than `u32::MAX` texts; fixtures and `--generate`
    /// stay far below that.
    pub fn build<'a>(texts: impl Iterator<Item = &'a str>) -> TrigramIndex {
        let mut postings: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        for (position, text) in texts.enumerate() {
            let position = u32::try_from(position).expect("fewer than 2^32 entries");
            for window in text.as_bytes().windows(3) {
                let list = postings
                    .entry([window[0], window[1], window[2]])
                    .or_default();
                // Windows of one text come in a row, so a repeated trigram
                // of the same text is the last element.
                if list.last() != Some(&position) {
                    list.push(position);
                }
            }
        }
        TrigramIndex { postings }
    }

    /// Returns, in ascending order, the positions of the texts that may
    /// contain `needle`: the posting list of its rarest trigram. Returns
    /// `None` for a needle shorter than three bytes, which the index cannot
    /// narrow.
    pub fn candidates(&self, needle: &str) -> Option<&[u32]> {
        needle
            .as_bytes()
            .windows(3)
            .map(|window| self.postings.get(window).map_or(&[][..], Vec::as_slice))
            .min_by_key(|list| list.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> TrigramIndex {
        let texts = [
            "\0corp\0svc_sql\0",
            "\0corp\0svc_web\0",
            "\0lab\0sql_admin\0",
        ];
        TrigramIndex::build(texts.into_iter())
    }

    #[test]
    fn candidates_contain_every_match() {
        let index = index();
        assert_eq!(index.candidates("sql"), Some(&[0, 2][..]));
        assert_eq!(index.candidates("svc_"), Some(&[0, 1][..]));
        assert_eq!(index.candidates("corp\0svc_web"), Some(&[1][..]));
    }

    #[test]
    fn unknown_trigram_gives_no_candidates() {
        assert_eq!(index().candidates("xyz"), Some(&[][..]));
    }

    #[test]
    fn short_needle_cannot_narrow() {
        assert_eq!(index().candidates("sq"), None);
        assert_eq!(index().candidates(""), None);
    }

    #[test]
    fn repeated_trigram_listed_once() {
        let index = TrigramIndex::build(["aaaaaa"].into_iter());
        assert_eq!(index.candidates("aaa"), Some(&[0][..]));
    }
}
