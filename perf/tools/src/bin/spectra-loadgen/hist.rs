//! Latency histogram: log-linear buckets (7 significant bits, so any value
//! is reported within 1/64 of itself), mergeable across processes and
//! serializable as a compact text line.

/// Values below this are their own bucket.
const LINEAR: u64 = 128;
/// Buckets per power of two above [`LINEAR`].
const SUB: u64 = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    max: u64,
}

fn index(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let e = 63 - u64::from(v.leading_zeros());
    let shift = e - 6;
    let m = v >> shift;
    ((shift + 1) * SUB + (m - SUB)) as usize
}

/// Smallest value of bucket `i`.
fn lower(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let shift = i / SUB - 1;
    (i % SUB + SUB) << shift
}

/// Largest value of bucket `i`.
fn upper(i: usize) -> u64 {
    lower(i + 1).saturating_sub(1).max(lower(i))
}

impl Histogram {
    pub fn new() -> Self {
        Histogram::default()
    }

    pub fn record(&mut self, v: u64) {
        let i = index(v);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.count += 1;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    /// The value at quantile `q` (0..=1): the upper end of the bucket holding
    /// the rank-`ceil(q * count)` value, capped by the true maximum. `None`
    /// when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(upper(i).min(self.max));
            }
        }
        Some(self.max)
    }

    /// `max;i:c,i:c,...` (non-empty buckets only).
    pub fn encode(&self) -> String {
        let mut s = self.max.to_string();
        s.push(';');
        let mut first = true;
        for (i, c) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            if !first {
                s.push(',');
            }
            first = false;
            s.push_str(&format!("{i}:{c}"));
        }
        s
    }

    pub fn decode(s: &str) -> Option<Histogram> {
        let (max, rest) = s.split_once(';')?;
        let mut h = Histogram {
            max: max.parse().ok()?,
            ..Histogram::default()
        };
        for item in rest.split(',').filter(|x| !x.is_empty()) {
            let (i, c) = item.split_once(':')?;
            let (i, c): (usize, u64) = (i.parse().ok()?, c.parse().ok()?);
            if i > 4096 {
                return None;
            }
            if h.counts.len() <= i {
                h.counts.resize(i + 1, 0);
            }
            h.counts[i] += c;
            h.count += c;
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    #[test]
    fn buckets_are_contiguous_and_contain_their_values() {
        let mut prev_upper = None;
        for i in 0..3000 {
            let (lo, hi) = (lower(i), upper(i));
            assert!(lo <= hi);
            if let Some(p) = prev_upper {
                assert_eq!(lo, p + 1, "bucket {i} starts after the previous one");
            }
            prev_upper = Some(hi);
            assert_eq!(index(lo), i);
            assert_eq!(index(hi), i);
        }
    }

    #[test]
    fn quantiles_are_within_one_sixty_fourth_of_exact() {
        // A skewed spread like real latencies: most small, a long tail.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut values = Vec::new();
        let mut h = Histogram::new();
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x % 1000) * (x % 1000) * (1 + x % 7) + x % 50;
            values.push(v);
            h.record(v);
        }
        values.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
            let (got, want) = (h.quantile(q).unwrap(), exact(&values, q));
            assert!(got >= want, "q={q}: {got} < {want}");
            assert!(got - want <= want / 64 + 1, "q={q}: {got} vs {want}");
        }
        assert_eq!(h.quantile(1.0), Some(*values.last().unwrap()));
        assert_eq!(h.count(), 50_000);
    }

    #[test]
    fn merge_and_text_round_trip_keep_every_count() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        for v in [5, 130, 1_000, 70_000] {
            a.record(v);
        }
        for v in [7, 250_000_000] {
            b.record(v);
        }
        let mut m = Histogram::decode(&a.encode()).unwrap();
        m.merge(&Histogram::decode(&b.encode()).unwrap());
        assert_eq!(m.count(), 6);
        assert_eq!(m.max(), 250_000_000);
        assert_eq!(m.quantile(0.0001), Some(5));
        assert!((130..=131).contains(&m.quantile(0.5).unwrap()));
        assert!(Histogram::decode("x;1:2").is_none());
        assert!(Histogram::decode("3;99999:1").is_none());
        assert_eq!(Histogram::new().quantile(0.5), None);
    }
}
