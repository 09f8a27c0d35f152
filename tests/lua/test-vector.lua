-- Vectors: construction, arithmetic, comparisons, norms, errors.

local dir = arg[0]:match("^(.*)/") or "."
local tap = dofile(dir .. "/tap.lua")

local V = embrepl.vector
local a, b = V{1, 2, 3}, V{4, -5, 6.5}
tap.is(#a, 3, "#v")
tap.is(a[2], 2.0, "v[i] from 1")
tap.is(a[0], nil, "v[0] is nil")
tap.is(a[4], nil, "v[#v + 1] is nil")
tap.ok(a + b == V{5, -3, 9.5}, "v + w")
tap.ok(a - b == V{-3, 7, -3.5}, "v - w")
tap.ok(a * 2 == V{2, 4, 6}, "v * s")
tap.ok(0.5 * a == V{0.5, 1, 1.5}, "s * v")
tap.ok(b / 2 == V{2, -2.5, 3.25}, "v / s")
tap.ok(-a == V{-1, -2, -3}, "-v")
tap.ok(a ~= b, "~=")
tap.ok(a ~= V{1, 2}, "vectors of other lengths differ")
tap.is(a:dot(b), 4 - 10 + 19.5, "v:dot(w)")
tap.is(V{3, 4}:norm(), 5.0, "v:norm()")
tap.near(a:cosine(b), 13.5 / (math.sqrt(14) * math.sqrt(83.25)), 1e-12,
    "v:cosine(w)")
tap.ok(V{3, 4}:normalize() == V{0.6, 0.8}, "v:normalize()")
tap.ok(a:cosine(V(3)) ~= a:cosine(V(3)), "the cosine with zero is NaN")
tap.is(V(4):norm(), 0.0, "embrepl.vector(n) is zeros")
local t = b:totable()
tap.is(#t .. "," .. t[1] .. "," .. t[3], "3,4.0,6.5", "v:totable()")
local c = V(a)
c[1] = 10
tap.is(c[1] .. "," .. a[1], "10.0,1.0", "v[i] = x on a copy")
tap.is(V{0.1}[1], 0.10000000149011612, "values are float32")
tap.is(tostring(V{1, -0.5, 0.25}), "vector(3): [1, -0.5, 0.25]",
    "tostring of a short vector")
tap.is(tostring(V(8)), "vector(8): [0, 0, 0, 0, 0, 0, ...]",
    "tostring abbreviates a long vector")
tap.raises(function() return a + V{1, 2} end,
    "vector dimensions differ: 3 and 2", "adding other lengths raises")
tap.raises(function() return a:dot(V(4)) end, "dimensions differ",
    "dot of other lengths raises")
tap.raises(function() return a * b end, "multiply by a number",
    "v * w raises")
tap.raises(function() a[4] = 1 end, "vector index out of range",
    "v[#v + 1] = x raises")
tap.raises(function() return V{} end, "empty table",
    "an empty vector raises")
tap.raises(function() return V{1, "x"} end, "value 2 is not a number",
    "a non-number raises")
tap.raises(function() return V(0) end, "length must be positive",
    "a zero length raises")
