-- wrk script: client-credentials token requests against an example server.
--
--   export QSCOPE_BASIC=$(printf 'CLIENT_ID:SECRET' | base64 -w0)   # as printed by the server
--   wrk -t2 -c32 -d10s --latency -s examples/load/client_credentials.lua http://127.0.0.1:8080/token
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("QSCOPE_BASIC"), "set QSCOPE_BASIC")

-- Any answer but 200 is counted by wrk as "Non-2xx or 3xx responses".
