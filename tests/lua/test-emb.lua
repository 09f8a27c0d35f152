-- Embeddings: rows, labels, biases, neighbours, analogies and PCA
-- against numpy's answers in the oracle.

local dir = arg[0]:match("^(.*)/") or "."
local tap = dofile(dir .. "/tap.lua")
local O = dofile(arg[1])

local items = embrepl.store():model("toy"):var("items")
local I = O.items
tap.is(items.name, "items", "e.name")
tap.is(items.role, "item", "e.role")
tap.is(items.rows, #I.labels, "e.rows")
tap.is(#items, #I.labels, "#e")
tap.is(items.dim, 6, "e.dim")
tap.is(items.has_bias, true, "e.has_bias")
tap.is(items.na_row, I.na_row, "e.na_row")

-- Every row by number and by label equals what h5py reads.
local same, labels = true, true
for r = 0, items.rows - 1 do
	local v = items:row(r)
	local w = items:row(I.labels[r + 1])
	for j = 1, items.dim do
		if v[j] ~= I.matrix[r + 1][j] or w[j] ~= v[j] then
			same = false
		end
	end
	if items:label(r) ~= I.labels[r + 1] or
	    items:find(I.labels[r + 1]) ~= r then
		labels = false
	end
end
tap.ok(same, "every row equals h5py's, by number and by label")
tap.ok(labels, "label() and find() agree with h5py's labels")
local all = items:labels()
tap.is(#all, #I.labels, "labels() lists every label")
tap.is(all[8], I.labels[8], "labels() in row order")
local some = items:labels("^item1%d$")
tap.is(#some, 10, "labels(pattern) filters with a Lua pattern")
tap.is(some[1], "item10", "labels(pattern) keeps row order")
tap.is(items:bias(5), I.bias[6], "bias(row) equals h5py's")
tap.is(items:bias("alpha"), I.bias[2], "bias(label)")

-- Unknown labels and rows fail softly and suggest.
local v, err = items:row("star wars")
tap.fails(v, err, 'items: no label "star wars"; closest: "Star Wars (1977)"',
    "an unknown label names the closest labels")
v, err = items:row(40)
tap.fails(v, err, "items: no row 40 (rows are 0 to 39)",
    "a row past the end is nil, message")
v, err = items:row(-1)
tap.fails(v, err, "no row -1", "a negative row is nil, message")
tap.is(items:find("nosuch"), nil, "find of an unknown label is nil")
v, err = items:label(99)
tap.fails(v, err, "no row 99", "label of an unknown row is nil, message")
tap.raises(function() return items:row(1.5) end, "number has no integer",
    "a fractional row raises")
tap.raises(function() return items:row({}) end, "string expected",
    "a table as row raises")

-- Nearest neighbours against numpy.
for _, s in ipairs(O.similar) do
	local query = s.query
	local what = tostring(query)
	if s.vector then
		local r = s.vector
		query = items:row(r[1]) - items:row(r[2]) + items:row(r[3])
		what = "a - b + c"
	end
	local hits = items:similar(query, s.k, s.metric)
	local rows, good = {}, #hits == #s.rows
	for i, h in ipairs(hits) do
		rows[i] = h.row
		if h.row ~= s.rows[i] or math.abs(h.score - s.scores[i]) >
		    1e-5 or h.label ~= I.labels[h.row + 1] then
			good = false
		end
	end
	tap.ok(good, string.format("similar(%s, %d, %s) is numpy's top k",
	    what, s.k, s.metric), "got rows " .. table.concat(rows, ","))
end
tap.is(#items:similar("alpha"), 10, "similar returns 10 by default")
tap.raises(function() return items:similar("alpha", 5, "manhattan") end,
    "use cosine, euclidean or dot", "an unknown metric raises")
tap.raises(function() return items:similar("alpha", 0) end,
    "must be at least 1", "k of 0 raises")
tap.raises(function() return items:similar(embrepl.vector(5)) end,
    "vector dimensions differ: 5 and 6", "a query of the wrong width raises")
v, err = items:similar("nosuch")
tap.fails(v, err, 'no label "nosuch"', "similar of an unknown label")

local an = embrepl.analogy(items, O.analogy.a, O.analogy.b, O.analogy.c,
    O.analogy.k)
local rows = {}
for i, h in ipairs(an) do
	rows[i] = h.row
end
tap.is(table.concat(rows, ","), table.concat(O.analogy.rows, ","),
    "embrepl.analogy leaves out a, b and c")

-- PCA and biases.
local p = items:pca(O.pca.n, 4)
tap.is(#p.ratio, O.pca.n, "pca gives n ratios")
for i = 1, O.pca.n do
	tap.near(p.ratio[i], O.pca.ratio[i], 1e-4,
	    "pca explained variance ratio " .. i .. " is numpy's")
	tap.near(p.variance[i], O.pca.variance[i], 1e-4,
	    "pca variance " .. i .. " is numpy's")
end
tap.is(p.rows, items.rows - 1, "pca leaves the #na# row out")
tap.near(p.components[1]:norm(), 1, 1e-5, "components have unit length")
tap.is(#p.top[1], 4, "pca gives k labels at the top")
tap.is(#p.bottom[3], 4, "pca gives k labels at the bottom")
local mean = p.mean
local proj = (items:row(p.top[1][1].row) - mean):dot(p.components[1])
tap.near(proj, p.top[1][1].score, 1e-4,
    "the top score is the projection on the component")
tap.ok(p.top[1][1].score >= p.top[1][2].score and
    p.bottom[1][1].score <= p.bottom[1][2].score,
    "top scores fall and bottom scores rise")
tap.is(items:pca(2, 3, true).rows, items.rows, "pca with_na keeps #na#")
tap.raises(function() return items:pca(7) end, "components must be",
    "more components than the width raises")

local high, low = items:top_bias(5), items:top_bias(5, true)
local hr, lr = {}, {}
for i = 1, 5 do
	hr[i], lr[i] = high[i].row, low[i].row
end
tap.is(table.concat(hr, ","), table.concat(O.bias.high, ","),
    "top_bias gives numpy's highest")
tap.is(table.concat(lr, ","), table.concat(O.bias.low, ","),
    "top_bias(k, true) gives numpy's lowest")
tap.is(high[1].bias, I.bias[high[1].row + 1], "top_bias reports the bias")
local users = embrepl.var("users")
v, err = users:top_bias()
tap.fails(v, err, "users: no bias", "top_bias without a bias")
v, err = users:bias(1)
tap.fails(v, err, "users: no bias", "bias without a bias")
