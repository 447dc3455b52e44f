//! What an attachment's bytes are, told from the bytes themselves (their magic numbers), never from the media
//! type the phone declared: only a raster image recognised here is shown inline (`attachments::bytes`).

/// A raster image format a browser draws and never runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raster {
    Jpeg,
    Png,
    Gif,
    WebP,
    /// HEIC (HEVC in HEIF), what iPhones take photos in.
    Heic,
    /// HEIF with another codec.
    Heif,
}

impl Raster {
    /// The format `bytes` begin as, if a raster image.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        let at = |start: usize, magic: &[u8]| bytes.get(start..start + magic.len()) == Some(magic);
        if at(0, &[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if at(0, b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
            Some(Self::Gif)
        } else if at(0, b"RIFF") && at(8, b"WEBP") {
            Some(Self::WebP)
        } else if at(4, b"ftyp") {
            // An ISO media file's first box names its major brand.
            match bytes.get(8..12)? {
                b"heic" | b"heix" | b"heim" | b"heis" => Some(Self::Heic),
                b"mif1" => Some(Self::Heif),
                _ => None,
            }
        } else {
            None
        }
    }

    /// The media type it is served as.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::WebP => "image/webp",
            Self::Heic => "image/heic",
            Self::Heif => "image/heif",
        }
    }

    /// The format a declared media type names: only where a page guesses, before the bytes are read, whether
    /// an attachment will be shown (an `<img>`) or downloaded; serving goes by `sniff`.
    pub fn declared(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/gif" => Some(Self::Gif),
            "image/webp" => Some(Self::WebP),
            "image/heic" => Some(Self::Heic),
            "image/heif" => Some(Self::Heif),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Raster;

    #[test]
    fn raster_images_are_told_by_their_bytes_and_nothing_else_is_one() {
        let table: [(&[u8], Option<Raster>); 14] = [
            (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", Some(Raster::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Some(Raster::Png)),
            (b"GIF89a\x01\x00\x01\x00", Some(Raster::Gif)),
            (b"GIF87a\x01\x00\x01\x00", Some(Raster::Gif)),
            (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Some(Raster::WebP)),
            (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", Some(Raster::Heic)),
            (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", Some(Raster::Heif)),
            // Other ISO media (an MP4 video), a RIFF that is not WebP (a WAV recording).
            (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isom", None),
            (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
            // Markup that runs scripts, however it was declared.
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", None),
            (b"<?xml version=\"1.0\"?><svg/>", None),
            (b"<!doctype html><script>alert(1)</script>", None),
            // Too short to be anything.
            (b"\x89PNG", None),
            (b"", None),
        ];
        for (bytes, expected) in table {
            assert_eq!(Raster::sniff(bytes), expected, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn a_declared_type_is_only_a_guess_for_pages() {
        assert_eq!(Raster::declared("image/JPEG"), Some(Raster::Jpeg));
        assert_eq!(Raster::declared("image/png; charset=binary"), Some(Raster::Png));
        assert_eq!(Raster::declared("image/svg+xml"), None);
        assert_eq!(Raster::declared("text/html"), None);
    }
}
