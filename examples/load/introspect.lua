-- wrk script: token introspection requests against an example server.
--
--   export QSCOPE_BASIC=$(printf 'CLIENT_ID:SECRET' | base64 -w0)
--   export QSCOPE_TOKEN=ACCESS_TOKEN        # one issued to that client
--   wrk -t2 -c32 -d10s --latency -s examples/load/introspect.lua http://127.0.0.1:8080/introspect
wrk.method = "POST"
wrk.body = "token=" .. assert(os.getenv("QSCOPE_TOKEN"), "set QSCOPE_TOKEN")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("QSCOPE_BASIC"), "set QSCOPE_BASIC")

-- Any answer but 200 is counted by wrk as "Non-2xx or 3xx responses".
