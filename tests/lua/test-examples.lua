-- The example stores, opened from Lua, against numpy.

local dir = arg[0]:match("^(.*)/") or "."
local tap = dofile(dir .. "/tap.lua")
local O = dofile(arg[1])

if not O.movielens then
	print("ok - examples/movielens.h5 # SKIP not present")
	return
end
local M = O.movielens
local s = assert(embrepl.open(O.ml))
tap.is(tostring(s), "embrepl.store (" .. O.ml .. ", 1 model)",
    "tostring of the movielens store")
local items = s:model("movielens"):var("items")
tap.is(items.rows, M.rows, "movielens items rows")
local sw = items:row("Star Wars (1977)")
local same = true
for j = 1, #sw do
	same = same and sw[j] == M.row[j]
end
tap.ok(same and #sw == #M.row, "Star Wars' row is h5py's")
tap.is(items:find("Star Wars (1977)"), M.star_wars, "Star Wars' row number")
local hits = items:similar("Star Wars (1977)")
local good = #hits == #M.similar
for i, h in ipairs(hits) do
	good = good and h.row == M.similar[i] and
	    math.abs(h.score - M.scores[i]) < 1e-5
end
tap.ok(good, "similar Star Wars is numpy's top 10")
local p = items:pca(3)
for i = 1, 3 do
	tap.near(p.ratio[i], M.ratio[i], 1e-4, "movielens pca ratio " .. i)
end
local high, low = items:top_bias(10), items:top_bias(10, true)
local ok = true
for i = 1, 10 do
	ok = ok and high[i].row == M.high[i] and low[i].row == M.low[i]
end
tap.ok(ok, "movielens top and bottom biases are numpy's")
s:close()

local a = embrepl.open(O.adult)
if a then
	local m = a:model()
	tap.is(m.kind, "tabular", "adult is tabular")
	tap.is(#m.classes, 2, "adult has two classes")
	tap.is(#m.continuous, 6, "adult has six continuous variables")
	tap.ok(m:var("education") ~= nil, "adult has education")
	a:close()
end
