-- wrk script: POST /connections (a base connection create) with the
-- gateway headers. TOKEN and API_KEY come from the environment.
-- luacheck: globals wrk
local token = os.getenv("TOKEN")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["x-api-key"] = os.getenv("API_KEY")
wrk.headers["x-gw-ims-org-id"] = "BENCH0000000000000000000@AdobeOrg"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","auth":{"specName":"Basic Authentication",'
  .. '"params":{"host":"h","userid":"u","password":"p"}},'
  .. '"connectionSpec":{"id":"be5ec48c-5b78-49d5-b8fa-7c89ec4569b8",'
  .. '"version":"1.0"}}'
