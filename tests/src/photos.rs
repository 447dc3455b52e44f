//! Attachment bytes for the stories: photo-like bytes, real images, and their names.

use sha2::{Digest, Sha256};

/// Bytes that look like a photo's to the server: not compressible and not repeating at chunk boundaries;
/// `seed` makes each photo its own.
pub fn photo(len: usize, seed: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9e37_79b9);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// The name the server keeps `data` under: its SHA-256 in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// A real PNG of `width`×`height` pixels of one colour, which browsers draw.
pub fn png_image(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a PNG header");
    let pixels: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
    writer.write_image_data(&pixels).expect("the PNG's pixels");
    writer.finish().expect("a whole PNG");
    bytes
}
