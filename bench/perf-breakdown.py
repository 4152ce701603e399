#!/usr/bin/env python3
"""Where a server's CPU goes, from a `perf record -g` file (run by hand, not in CI).

    DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet EnContact.Syndication.dll serve &
    wrk -t1 -c32 -d12s -H 'If-None-Match: "<etag>"' http://127.0.0.1:5090/feeds/all.atom   # warm up (tiering)
    perf record -F 1999 -g -p <pid> -o poll.data -- sleep 10 &  wrk ... -d10s ...
    python3 bench/perf-breakdown.py poll.data [CPU µs per request]

Each sample's stack is read from the leaf up and filed under the first frame that matches a rule
below (so a send() made by Kestrel counts as the syscall, not as Kestrel). With the CPU time per
request measured by bench/feeds-http.sh, each share is also given in µs per request.
"""
import collections
import re
import subprocess
import sys

RULES = [
    ("scheduling: sched_yield (thread pool workers spinning)", r"sched_yield"),
    ("scheduling: futex waits and wakes", r"futex"),
    ("scheduling: context switches", r"finish_task_switch|\bschedule\b|__schedule"),
    ("kernel: send (loopback also delivers to the client here)", r"__send\b|__sys_sendto|SystemNative_Send"),
    ("kernel: recv", r"__libc_recv|SystemNative_Receive|__sys_recvfrom"),
    ("kernel: epoll_wait", r"epoll_wait"),
    ("gateway: FeedsApi.ServeAsync (conditional GET, headers, metrics)", r"FeedsApi.*ServeAsync|FeedMetrics|FeedRequestCounter|IsNotModified|ChooseEncoding"),
    ("gateway: endpoint binding (delegate factory, request services)", r"RequestDelegateFactory|ServeFeed|RequestServices|ServiceProvider|ServiceScope|FeedsApi"),
    ("ASP.NET Core: routing (match, short-circuit)", r"DfaMatcher|EndpointRoutingMiddleware|Matching\.|HttpMethodMatcherPolicy|RouteValueDictionary"),
    ("ASP.NET Core: hosting (HttpContext, diagnostics, middleware)", r"HostingApplication|DefaultHttpContext|HostFiltering|Middleware"),
    ("Kestrel: response headers", r"WriteResponseHeaders|HttpResponseHeaders|Http1OutputProducer"),
    ("Kestrel: request parsing", r"ParseRequest|HttpParser|TryParseRequest|HttpRequestHeaders|ParseHeaders|OnHeader|OnStartLine"),
    ("Kestrel: connection loop, pipes, managed socket calls", r"Kestrel|System\.IO\.Pipelines|SocketConnection|SocketSender|SocketReceiver|Pipe"),
    (".NET: socket engine and thread pool dispatch", r"SocketAsyncEngine|ThreadPoolWorkQueue|LowLevelLifoSemaphore|PortableThreadPool|WorkerThread|SocketAsyncContext"),
    (".NET: async machinery", r"AsyncTaskMethodBuilder|AsyncStateMachineBox|ExecutionContext|Tasks\.Task|ValueTask"),
]


def main():
    rules = [(name, re.compile(pattern)) for name, pattern in RULES]
    script = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "ip,sym,dso"], capture_output=True, text=True, check=True).stdout
    counts, total = collections.Counter(), 0
    for block in script.split("\n\n"):
        frames = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not frames:
            continue
        total += 1
        category = next((name for frame in frames for name, rule in rules if rule.search(frame)), None)
        if category is None:
            leaf = frames[0]
            category = ("kernel: other" if "kernel" in leaf else "runtime: libcoreclr (GC, stubs)" if "libcoreclr" in leaf
                        else "runtime: JIT compiler" if "libclrjit" in leaf else "other")
        counts[category] += 1
    per_request = float(sys.argv[2]) if len(sys.argv) > 2 else None
    for name, count in counts.most_common():
        share = count / total
        print(f"{100 * share:5.1f} %" + (f"  {per_request * share:5.1f} µs" if per_request else "") + f"  {name}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
