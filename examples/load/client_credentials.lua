-- wrk script: client-credentials token requests against an example server.
--
--   export QSCOPE_BASIC=$(printf 'demo-client:SECRET' | base64 -w0)   # SECRET as printed
--   wrk -t2 -c32 -d10s --latency -s examples/load/client_credentials.lua http://127.0.0.1:8081/token
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("QSCOPE_BASIC"), "set QSCOPE_BASIC")

-- Any answer but 200 is counted by wrk as "Non-2xx or 3xx responses".
