-- embrepl.lua: helpers and standard commands written in Lua.
--
-- embrepl runs every lua/*.lua file at start, in name order, before the
-- user's init.lua; see doc/lua-api.md for the module these build on.

local embrepl = require("embrepl")

local metrics = { cosine = true, euclidean = true, dot = true }

-- Finds a row the way commands name one: a label, else "#N" or "N".
local function find_row(e, word)
	if type(word) == "number" then
		return word
	end
	local row = e:find(word)
	if row then
		return row
	end
	local n = word:match("^#?(%d+)$")
	if n and tonumber(n) < e.rows then
		return tonumber(n)
	end
	local _, err = e:row(word)
	return nil, err
end

-- The k rows nearest to a - b + c, leaving out a, b and c themselves:
-- "b is to a as c is to ?". Returns a list of {row=, label=, score=}.
function embrepl.analogy(e, a, b, c, k, metric)
	k = k or 10
	local rows, query = {}, nil
	for i, word in ipairs({ a, b, c }) do
		local row, err = find_row(e, word)
		if not row then
			return nil, err
		end
		rows[row] = true
		local v = e:row(row)
		if i == 1 then
			query = v
		elseif i == 2 then
			query = query - v
		else
			query = query + v
		end
	end
	local hits, err = e:similar(query, k + 3, metric)
	if not hits then
		return nil, err
	end
	local out = {}
	for _, hit in ipairs(hits) do
		if not rows[hit.row] and #out < k then
			out[#out + 1] = hit
		end
	end
	return out
end

embrepl.command {
	name = "analogy",
	usage = "analogy VAR A B C [K] [--metric cosine|euclidean|dot]",
	help = "rows nearest to A - B + C, leaving out A, B and C",
	min = 4,
	max = 5,
	opts = "metric:",
	complete = "vllll-",
	fn = function(args, opts)
		local e, err = embrepl.var(args[1])
		if not e then
			return nil, err
		end
		local k = 10
		if args[5] then
			k = math.tointeger(tonumber(args[5]))
			if not k or k < 1 then
				return nil, "K must be a whole number from 1"
			end
		end
		local metric = opts.metric or "cosine"
		if not metrics[metric] then
			return nil, "metric '" .. embrepl.escape(metric) ..
			    "': use cosine, euclidean or dot"
		end
		local hits
		hits, err = embrepl.analogy(e, args[2], args[3], args[4], k,
		    metric)
		if not hits then
			return nil, err
		end
		local rows = {}
		for i, hit in ipairs(hits) do
			rows[i] = { i, hit.row, hit.label, hit.score }
		end
		embrepl.output {
			name = "analogy",
			columns = { "rank:i", "row:i", "label:s", "score:n" },
			rows = rows,
		}
	end,
}
