#!/bin/bash
# bench/auth-cold-request/cg.sh MODE: server.mjs under callgrind with cache and branch simulation;
# counts WARM requests uncounted, then N (LOOPS at a time), then (work modes) one /calib.
# cg.sh MODE N : callgrind (cache+branch sim) of N sequential requests after warm-up; prints totals
mkdir -p /tmp/lr; cd "$(dirname "$0")"; export PORT=$((21000 + RANDOM % 1000)) WASM=$1 PASSES=${PASSES:-1} ITER=${ITER:-40000}
OUT=/tmp/lr/cg.$1.$PORT; mkdir -p $OUT
taskset -c 0 valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --instr-atstart=no --callgrind-out-file=$OUT/cg.%p --separate-threads=no node server.mjs > $OUT/log 2>&1 & S=$!
until grep -q ready $OUT/log 2>/dev/null; do sleep 0.5; done
req() { curl -s -o /dev/null -X POST -H 'content-type: application/json' --data '{"username":"someone","cipherKey":"login:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' "http://127.0.0.1:$PORT/api/v1/auth/challenge?tenant_id=bench"; }
node -e '
const http=require("http");const a=new http.Agent({keepAlive:true,maxSockets:64});const port=+process.env.PORT;
const b=JSON.stringify({username:"someone",cipherKey:"login:"+"A".repeat(128)});
const post=(p,x)=>new Promise(r=>{const q=http.request({agent:a,host:"127.0.0.1",port,method:"POST",path:p,headers:{"content-type":"application/json","content-length":Buffer.byteLength(x)}},s=>{s.resume();s.on("end",r)});q.end(x)});
(async()=>{const {execSync}=require("child_process");const L=Number(process.env.LOOPS||1);const many=async(n)=>{let left=n;await Promise.all(Array.from({length:L},async()=>{while(left-->0)await post("/api/v1/auth/challenge?tenant_id=bench",b)}))};await many(Number(process.env.WARM||1500));
execSync("callgrind_control -z '$S' >/dev/null; callgrind_control -i on '$S' >/dev/null");
await many(Number(process.env.N||300));
execSync("callgrind_control -i off '$S' >/dev/null; callgrind_control -d '$S' >/dev/null");
if(process.env.WASM!=="0"){execSync("callgrind_control -z '$S' >/dev/null; callgrind_control -i on '$S' >/dev/null");await post("/calib","{}");execSync("callgrind_control -i off '$S' >/dev/null; callgrind_control -d '$S' >/dev/null");}
a.destroy()})()'
kill $S; wait $S 2>/dev/null
for f in $OUT/cg.*; do echo "$f $(grep -E '^(events|summary|totals):' $f | tr '\n' ' ')"; done
