-- wrk script: client-credentials token requests, counting the answers by
-- status, per second of the run too, and whether every 503 carried
-- Retry-After.
--
--   export QSCOPE_BASIC=$(printf 'CLIENT_ID:SECRET' | base64 -w0)
--   wrk -t2 -c16 -d20s -s examples/load/status_counts.lua http://127.0.0.1:8080/token
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("QSCOPE_BASIC"), "set QSCOPE_BASIC")

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    counts = {}
    -- "second status" -> count, the second counted from the run's start
    timeline = {}
    started = os.time()
    missing_retry_after = 0
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
    local key = string.format("%d %d", os.time() - started, status)
    timeline[key] = (timeline[key] or 0) + 1
    if status == 503 and headers["Retry-After"] == nil and headers["retry-after"] == nil then
        missing_retry_after = missing_retry_after + 1
    end
end

function done(summary, latency, requests)
    local total, seconds, missing = {}, {}, 0
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("counts")) do
            total[status] = (total[status] or 0) + n
        end
        for key, n in pairs(thread:get("timeline")) do
            seconds[key] = (seconds[key] or 0) + n
        end
        missing = missing + thread:get("missing_retry_after")
    end
    for status, n in pairs(total) do
        io.write(string.format("status %d: %d\n", status, n))
    end
    local keys = {}
    for key in pairs(seconds) do table.insert(keys, key) end
    table.sort(keys, function(a, b)
        local sa, ca = a:match("(%d+) (%d+)")
        local sb, cb = b:match("(%d+) (%d+)")
        if tonumber(sa) ~= tonumber(sb) then return tonumber(sa) < tonumber(sb) end
        return tonumber(ca) < tonumber(cb)
    end)
    for _, key in ipairs(keys) do
        io.write(string.format("second %s: %d\n", key, seconds[key]))
    end
    io.write(string.format("503 without Retry-After: %d\n", missing))
end
