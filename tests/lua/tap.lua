-- tap.lua: TAP lines for the Lua API tests. test-lua.py numbers them.

local tap = { failed = 0 }

local function show(v)
	if type(v) == "string" then
		return string.format("%q", v)
	end
	return tostring(v)
end

-- Prints one test line; returns cond.
function tap.ok(cond, what, detail)
	print((cond and "ok - " or "not ok - ") .. what)
	if not cond then
		tap.failed = tap.failed + 1
		if detail then
			print("#   " .. detail)
		end
	end
	return cond
end

-- Tests that got equals want.
function tap.is(got, want, what)
	return tap.ok(got == want, what,
	    "got " .. show(got) .. ", want " .. show(want))
end

-- Tests that got is within tol of want.
function tap.near(got, want, tol, what)
	local good = type(got) == "number" and math.abs(got - want) <= tol
	return tap.ok(good, what,
	    "got " .. show(got) .. ", want " .. show(want))
end

-- Tests that f raises an error whose message contains text.
function tap.raises(f, text, what)
	local good, msg = pcall(f)
	return tap.ok(not good and tostring(msg):find(text, 1, true) ~= nil,
	    what, "got " .. (good and "no error" or show(msg)))
end

-- Tests that a call failed softly: nil and a message containing text.
function tap.fails(v, msg, text, what)
	return tap.ok(v == nil and type(msg) == "string" and
	    msg:find(text, 1, true) ~= nil, what,
	    "got " .. show(v) .. ", " .. show(msg))
end

return tap
