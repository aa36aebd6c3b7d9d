//! An append-only sequence in fixed-size chunks: a push never moves what
//! is stored, so its cost does not grow with the length (a `Vec` that
//! doubles copies everything it holds, and a store of millions of records
//! pays that copy, and the page faults of the new buffer, in one request).

/// Records per chunk: large enough that the list of chunks stays short,
/// small enough that a new chunk is a cheap allocation.
const CHUNK: usize = 1024;

/// Values in insertion order, addressed by their position.
#[derive(Debug)]
pub(super) struct Arena<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Arena<T> {
    /// Appends `value` and returns its position.
    pub(super) fn push(&mut self, value: T) -> usize {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
        self.len - 1
    }

    /// How many values it holds: the position the next push gets.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The value at `position`.
    pub(super) fn get(&self, position: usize) -> Option<&T> {
        self.chunks.get(position / CHUNK)?.get(position % CHUNK)
    }

    /// The value at `position`, to change it.
    pub(super) fn get_mut(&mut self, position: usize) -> Option<&mut T> {
        self.chunks.get_mut(position / CHUNK)?.get_mut(position % CHUNK)
    }

    /// Every value, in insertion order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_survive_chunk_boundaries() {
        let mut arena = Arena::default();
        let n = 3 * CHUNK + 7;
        for i in 0..n {
            assert_eq!(arena.push(i * 10), i);
        }
        assert_eq!(arena.get(CHUNK - 1), Some(&((CHUNK - 1) * 10)));
        assert_eq!(arena.get(CHUNK), Some(&(CHUNK * 10)));
        assert_eq!(arena.get(n), None);
        *arena.get_mut(2 * CHUNK).unwrap() = 1;
        assert_eq!(arena.get(2 * CHUNK), Some(&1));
        assert_eq!(arena.iter().count(), n);
        assert!(arena.iter().skip(1).take(5).eq([10, 20, 30, 40, 50].iter()));
    }
}
