//! Badge artwork drawn in code, so the demo has a PNG to bake into without shipping one.

/// The side of the square badge image, in pixels.
const SIZE: u32 = 256;

/// A hexagonal badge: an indigo face with a light rim, on a transparent background.
pub fn badge_png() -> Vec<u8> {
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    let centre = SIZE as f32 / 2.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (dx, dy) = (x as f32 - centre, y as f32 - centre);
            let r = hexagon_radius(dx, dy);
            let pixel = if r > 120.0 {
                [0, 0, 0, 0]
            } else if r > 108.0 {
                [199, 210, 254, 255]
            } else {
                let t = y as f32 / SIZE as f32;
                let mix = |a: f32, b: f32| (a + (b - a) * t) as u8;
                [mix(79.0, 49.0), mix(70.0, 46.0), mix(229.0, 129.0), 255]
            };
            pixels.extend_from_slice(&pixel);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SIZE, SIZE);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing to a Vec cannot fail for a well-formed image of the declared size.
    let mut writer = encoder.write_header().expect("PNG header");
    writer.write_image_data(&pixels).expect("PNG data");
    writer.finish().expect("PNG end");
    out
}

/// The "radius" of a point in a flat-topped regular hexagon's own distance measure.
fn hexagon_radius(dx: f32, dy: f32) -> f32 {
    let (ax, ay) = (dx.abs(), dy.abs());
    (ax * 3f32.sqrt() / 2.0 + ay / 2.0).max(ay)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_badge_is_a_png_of_the_declared_size() {
        let bytes = super::badge_png();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (256, 256));
    }
}
