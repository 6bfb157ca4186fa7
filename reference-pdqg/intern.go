package pdqg

// internTable maps a word hash to its word id. It is the scorer's hottest
// lookup (once per word of the input), and an open-addressing table over two
// flat slices does it several times faster than a Go map: no hashing of an
// already-hashed key, no tombstones, no per-entry pointers.
type internTable struct {
	keys  []uint64 // 0 marks an empty slot; the key 0 itself lives in zero and zeroI
	ids   []int32
	mask  uint64
	n     int
	zero  bool
	zeroI int32
}

func newInternTable(hint int) *internTable {
	size := 64
	for size < hint*2 {
		size <<= 1
	}
	return &internTable{keys: make([]uint64, size), ids: make([]int32, size), mask: uint64(size - 1)}
}

// reset empties t for about hint keys, reusing its slices when their size
// suits; a nil t gives a new table.
func (t *internTable) reset(hint int) *internTable {
	if t == nil || len(t.keys) < hint*2 || len(t.keys) > 16*hint+1024 {
		return newInternTable(hint)
	}
	clear(t.keys)
	t.n, t.zero, t.zeroI = 0, false, 0
	return t
}

// slot spreads the FNV hash (whose low bits are weak for short words) with a
// Fibonacci multiply.
func (t *internTable) slot(k uint64) uint64 {
	return (k * 0x9E3779B97F4A7C15) >> 32 & t.mask
}

// get returns the id of k, if present.
func (t *internTable) get(k uint64) (int32, bool) {
	if k == 0 {
		return t.zeroI, t.zero
	}
	for i := t.slot(k); ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return t.ids[i], true
		case 0:
			return 0, false
		}
	}
}

// put adds k, which must not be present.
func (t *internTable) put(k uint64, id int32) {
	if k == 0 {
		t.zero, t.zeroI = true, id
		return
	}
	if (t.n+1)*2 > len(t.keys) {
		t.grow()
	}
	i := t.slot(k)
	for t.keys[i] != 0 {
		i = (i + 1) & t.mask
	}
	t.keys[i], t.ids[i] = k, id
	t.n++
}

func (t *internTable) grow() {
	old := *t
	size := len(old.keys) * 2
	t.keys, t.ids, t.mask, t.n = make([]uint64, size), make([]int32, size), uint64(size-1), 0
	for i, k := range old.keys {
		if k != 0 {
			t.put(k, old.ids[i])
		}
	}
}
