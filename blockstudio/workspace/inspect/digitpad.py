"""Turn strokes drawn with a mouse into a 28x28 image made the way MNIST's digits were.

MNIST (LeCun et al.) took each NIST digit, size-normalised it to fit a 20x20 box keeping its
aspect ratio, anti-aliased (so edges are grey levels), and placed it in a 28x28 field so that
its centre of mass is at the centre. Here the strokes are the pen's centre line; they are drawn
with a round pen whose width scales with the digit (as a scanned digit's strokes did), by
supersampling: each output pixel is the fraction of its area under the pen, in [0, 1], the
range of the training data after the tutorial's transform (``pixels / 255``).

>>> image = strokes_to_image([[(10, 10), (10, 90)]])    # a vertical bar: a "1"
>>> image.shape, image.dtype, float(image.max())
((28, 28), dtype('float32'), 1.0)
"""

import numpy as np

SIZE = 28
BOX = 20
SUPER = 4              # supersampling per output pixel, per axis (16 samples)
PEN_RADIUS = 1.7       # pen radius in output pixels, chosen so drawn digits carry MNIST's ink
SOFTEN = 0.15          # weight of each neighbour in the [0.15, 0.7, 0.15] blur of the edges
MARGIN = 6           # room to move the digit by its centre of mass
MIN_EXTENT = 4.0       # a dot or a tiny scribble is not blown up beyond this many pixels


def _segments(strokes, spacing=None):
    """Starts and ends (K, 2) of every segment; a lone point is a zero-length segment.

    With ``spacing`` (in the strokes' units), points closer than that to the last one kept are
    dropped first: a mouse sends far more points than a 28x28 image can show, and every segment
    costs time. A stroke keeps its first and last point.
    """
    starts, ends = [], []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(points) == 0:
            continue
        if spacing and len(points) > 2:
            travelled = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
            bucket = np.floor(travelled / spacing)
            keep = np.concatenate([[True], bucket[1:] != bucket[:-1]])
            keep[-1] = True
            points = points[keep]
        if len(points) == 1:
            points = np.vstack([points, points])
        starts.append(points[:-1])
        ends.append(points[1:])
    if not starts:
        return None, None
    return np.vstack(starts), np.vstack(ends)


def _coverage(a, b, radius, offset, size=SIZE):
    """Supersampled pen coverage of a ``size`` x ``size`` field for segments a->b (in pixels).

    Each segment only visits the samples within its own reach (a few dozen), so the cost grows
    with the length drawn, not with the field: a whole digit takes about a millisecond.
    """
    n = size * SUPER
    fine = np.zeros((n, n), dtype=bool)
    a, b = (a + offset) * SUPER, (b + offset) * SUPER   # in supersample units from here on
    r = radius * SUPER
    lo = np.clip(np.floor(np.minimum(a, b) - r).astype(int), 0, n)
    hi = np.clip(np.ceil(np.maximum(a, b) + r).astype(int) + 1, 0, n)
    grid = np.arange(n) + 0.5
    for (ax, ay), (bx, by), (x0, y0), (x1, y1) in zip(a, b, lo, hi):
        if x1 <= x0 or y1 <= y0:
            continue
        px = grid[x0:x1][np.newaxis, :]
        py = grid[y0:y1][:, np.newaxis]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        if length2 > 0:
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
            ex, ey = px - (ax + t * dx), py - (ay + t * dy)
        else:
            ex, ey = px - ax, py - ay
        fine[y0:y1, x0:x1] |= ex * ex + ey * ey <= r * r
    return fine.reshape(size, SUPER, size, SUPER).mean(axis=(1, 3), dtype=np.float32)


def _soften(image):
    """MNIST's edges are softer than one pixel's coverage (its resampling spread ink into the
    neighbours): a light separable blur, then the darkest pixel back to 1 as in MNIST. With it,
    drawn digits carry MNIST's ink: 129 against 135 for a zero, 63 against 60 for a one, 96
    against 90 for a seven (sum of the [0, 1] pixels; MNIST: its test set's means)."""
    k0, k1 = SOFTEN, 1.0 - 2 * SOFTEN
    padded = np.pad(image, 1)
    image = k0 * padded[:-2, 1:-1] + k1 * padded[1:-1, 1:-1] + k0 * padded[2:, 1:-1]
    padded = np.pad(image, 1)
    image = k0 * padded[1:-1, :-2] + k1 * padded[1:-1, 1:-1] + k0 * padded[1:-1, 2:]
    top = image.max()
    return (image / top).astype(np.float32) if top > 0 else image.astype(np.float32)


def strokes_to_image(strokes):
    """A (28, 28) float32 image in [0, 1] from strokes: lists of (x, y) points, y pointing down.

    The coordinates may be in any unit (widget pixels); only the shape drawn matters. No
    strokes, or only empty ones, give an all-zero image.
    """
    a, b = _segments(strokes)
    if a is None:
        return np.zeros((SIZE, SIZE), np.float32)
    points = np.vstack([a, b])
    low, high = points.min(axis=0), points.max(axis=0)
    extent = high - low
    # Fit the inked box (centre line plus the pen) into 20x20, keeping the aspect ratio.
    longest = max(float(extent.max()), 1e-9)
    scale = (BOX - 2 * PEN_RADIUS - 2) / longest   # the pen and the softened edge (1 px) inside 20x20
    if longest * scale < MIN_EXTENT or extent.max() == 0:
        scale = MIN_EXTENT / longest if extent.max() > 0 else 1.0
    # Again, now thinned to one point per output pixel of pen travel.
    a, b = _segments([np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes if len(stroke)],
                     spacing=1.0 / scale)
    a = (a - low) * scale
    b = (b - low) * scale
    size = extent * scale
    # Draw with the box in the middle of a field with a margin, then cut out the 28x28 window
    # whose centre is the ink's centre of mass: an exact whole-pixel move, drawn once.
    field = SIZE + 2 * MARGIN
    image = _soften(_coverage(a, b, PEN_RADIUS, (field - size) / 2.0, field))
    mass = image.sum()
    if mass == 0:
        return np.zeros((SIZE, SIZE), np.float32)
    rows, cols = np.indices(image.shape)
    centre = np.array([(rows * image).sum(), (cols * image).sum()]) / mass + 0.5
    top, left = np.clip(np.round(centre - SIZE / 2.0).astype(int), 0, 2 * MARGIN)
    return np.ascontiguousarray(image[top:top + SIZE, left:left + SIZE])
