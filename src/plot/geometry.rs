//! Rectangles and segments on a canvas (pixels, y down): what the layout uses to keep text apart
//! and the legend off the data, and what the layout tests check the drawing with.

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    /// Its left edge.
    pub(crate) left: f64,
    /// Its top edge.
    pub(crate) top: f64,
    /// Its right edge.
    pub(crate) right: f64,
    /// Its bottom edge.
    pub(crate) bottom: f64,
}

impl Rect {
    /// The rectangle with this top-left corner and size.
    pub(crate) fn at(left: f64, top: f64, width: f64, height: f64) -> Rect {
        Rect {
            left,
            top,
            right: left + width,
            bottom: top + height,
        }
    }

    /// The smallest rectangle holding `points` (`None` when there are none).
    #[cfg(test)]
    pub(crate) fn around(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Rect> {
        points.into_iter().fold(None, |rect, (x, y)| {
            let point = Rect {
                left: x,
                top: y,
                right: x,
                bottom: y,
            };
            Some(rect.map_or(point, |r: Rect| r.union(&point)))
        })
    }

    /// Its width.
    pub(crate) fn width(&self) -> f64 {
        self.right - self.left
    }

    /// Its height.
    pub(crate) fn height(&self) -> f64 {
        self.bottom - self.top
    }

    /// The rectangle grown by `margin` on every side (shrunk, for a negative one).
    pub(crate) fn grown(&self, margin: f64) -> Rect {
        Rect {
            left: self.left - margin,
            top: self.top - margin,
            right: self.right + margin,
            bottom: self.bottom + margin,
        }
    }

    /// The smallest rectangle holding both.
    #[cfg(test)]
    pub(crate) fn union(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// Whether the two share some area (touching edges do not count).
    pub(crate) fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// Whether `other` lies wholly inside this one.
    pub(crate) fn holds(&self, other: &Rect) -> bool {
        other.left >= self.left
            && other.right <= self.right
            && other.top >= self.top
            && other.bottom <= self.bottom
    }

    /// Whether the segment from `a` to `b` passes through the rectangle (Liang-Barsky clipping).
    pub(crate) fn meets_segment(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut low, mut high) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.left),
            (dx, self.right - a.0),
            (-dy, a.1 - self.top),
            (dy, self.bottom - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    low = low.max(t);
                } else {
                    high = high.min(t);
                }
            }
        }
        low <= high
    }

    /// Whether the disc of `radius` around `centre` reaches into the rectangle.
    pub(crate) fn meets_disc(&self, centre: (f64, f64), radius: f64) -> bool {
        let nearest = (
            centre.0.clamp(self.left, self.right),
            centre.1.clamp(self.top, self.bottom),
        );
        (nearest.0 - centre.0).hypot(nearest.1 - centre.1) <= radius
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_discs_meet_rectangles_they_cross() {
        let rect = Rect::at(10.0, 10.0, 10.0, 10.0);
        assert!(rect.meets_segment((0.0, 0.0), (30.0, 30.0)), "crossing");
        assert!(rect.meets_segment((12.0, 12.0), (13.0, 13.0)), "inside");
        assert!(!rect.meets_segment((0.0, 0.0), (30.0, 5.0)), "above");
        assert!(!rect.meets_segment((0.0, 30.0), (30.0, 28.0)), "below");
        assert!(
            !rect.meets_segment((0.0, 15.0), (15.0, 0.0)),
            "past the corner"
        );
        assert!(rect.meets_disc((25.0, 15.0), 5.0));
        assert!(!rect.meets_disc((26.0, 26.0), 5.0));
        let other = Rect::at(20.0, 10.0, 5.0, 5.0);
        assert!(!rect.overlaps(&other), "touching edges");
        assert!(rect.grown(1.0).overlaps(&other));
        assert!(rect.holds(&Rect::at(12.0, 12.0, 2.0, 2.0)));
    }
}
