-- Stores and models: opening, facts, tostring, closing, stale handles.

local dir = arg[0]:match("^(.*)/") or "."
local tap = dofile(dir .. "/tap.lua")
local O = dofile(arg[1])

local s, err = embrepl.open(O.store)
tap.ok(s ~= nil, "embrepl.open opens the store", err)
tap.is(s.path, O.store, "store.path")
tap.is(tostring(s), "embrepl.store (" .. O.store .. ", 2 models)",
    "tostring of a store")
local names = s:models()
tap.is(#names, 2, "two models")
tap.is(names[1] .. "," .. names[2], "toy,tab", "models in order")

local toy = s:model("toy")
tap.is(toy.name, "toy", "model.name")
tap.is(toy.kind, "collab", "model.kind")
tap.is(toy.source, "tests/test-lua.py", "model.source")
tap.is(toy.classes, nil, "a collab model has no classes")
tap.is(toy.y_range[1], 0.0, "y_range low")
tap.is(toy.y_range[2], 5.5, "y_range high")
tap.is(#toy.continuous, 0, "no continuous variables")
tap.is(table.concat(toy:vars(), ","), "users,items", "vars in model order")
tap.is(tostring(toy), "embrepl.model (toy, collab, 2 variables)",
    "tostring of a model")
tap.is(s:model().name, "toy", "store:model() is the first model")

local tab = s:model("tab")
tap.is(tab.kind, "tabular", "a tabular model")
tap.is(table.concat(tab.classes, ","), "<50k,>=50k", "model.classes")
tap.is(tab.y_range, nil, "no y_range")
local c = tab.continuous
tap.is(#c, 2, "two continuous variables")
tap.is(c[1].name, "age", "continuous name")
tap.is(c[1].mean, 38.5, "continuous mean")
tap.is(c[2].std, 12.0, "continuous std")

local m, merr = s:model("nosuch")
tap.fails(m, merr, "no model 'nosuch' (models: toy, tab)",
    "an unknown model is nil, message")
local v, verr = toy:var("nosuch")
tap.fails(v, verr, "toy: no variable 'nosuch'",
    "an unknown variable is nil, message")
local f, ferr = embrepl.open(O.store .. ".missing")
tap.fails(f, ferr, ".missing", "a missing file is nil, message")

local items = toy:var("items")
tap.is(tostring(items), "embrepl.embedding (items, 40 x 6)",
    "tostring of an embedding")
tap.is(items.model.name, "toy", "embedding.model")
tap.is(s:close(), true, "store:close()")
tap.is(tostring(s), "embrepl.store (closed)", "tostring of a closed store")
tap.is(tostring(toy), "embrepl.model (closed)", "a model of a closed store")
tap.is(tostring(items), "embrepl.embedding (closed)",
    "an embedding of a closed store")
tap.raises(function() return s:models() end, "attempt to use a closed store",
    "a closed store raises an error")
tap.raises(function() return s:close() end, "closed store",
    "closing twice raises an error")
tap.raises(function() return toy.name end, "model of a closed store",
    "a model of a closed store raises an error")
tap.raises(function() return items:row(1) end,
    "embedding of a closed store", "an embedding of a closed store raises")
tap.raises(function() return s.models(42) end, "embrepl.store expected",
    "a method on the wrong object raises an error")

-- A handle keeps its store open after the store handle is dropped.
local kept = embrepl.open(O.store):model("toy"):var("users")
collectgarbage()
collectgarbage()
tap.is(kept.rows, 20, "an embedding keeps its store alive")
tap.is(kept:label(3), "3", "rows without vocabulary are labelled by number")
tap.is(kept.na_row, nil, "na_row is nil when no row is reserved")
tap.is(kept.has_bias, false, "users have no bias")

do
	local scoped <close> = embrepl.open(O.store)
	kept = scoped:model("tab")
	tap.is(kept.name, "tab", "a to-be-closed store works in its scope")
end
tap.raises(function() return kept.name end, "closed store",
    "a to-be-closed store closes at the end of its scope")

-- The session's store and model.
local ss = embrepl.store()
tap.is(ss.path, O.store, "embrepl.store() is the session's store")
tap.is(embrepl.model().name, "toy", "embrepl.model() is the current model")
tap.is(embrepl.var("items").rows, 40, "embrepl.var() finds a variable")
local nv, nerr = embrepl.var("nosuch")
tap.fails(nv, nerr, "no variable 'nosuch'", "embrepl.var of an unknown name")
ss:close()
tap.is(embrepl.store().path, O.store,
    "closing a borrowed handle leaves the session's store open")
