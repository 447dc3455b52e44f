//! The desk's publications: printable A4 reports and the inline SVG charts they embed.

pub mod charts;
