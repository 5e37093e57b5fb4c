#!/bin/sh
# The main job, locally: a "node" network namespace with two pods on a twill bridge.
# dist/twill runs exactly as a container runtime runs it (env + JSON on stdin), the pods
# ping each other and the gateway, a published port answers from the node, then DEL
# removes everything. Nothing outside the demo's own namespaces is touched.
set -eu
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "the demo creates network namespaces: run it as root" >&2; exit 1; }

NODE=twdemo-node
DATA=$(mktemp -d /tmp/twill-demo.XXXXXX)
CONF=$DATA/twill-demo.conf
cleanup() {
  # twill's rule marker for the demo node lives in /run/twill, keyed by the namespace's inode
  [ -e /run/netns/$NODE ] && rm -rf "/run/twill/ns-$(stat -L -c %i /run/netns/$NODE)"
  for ns in $NODE twdemo-a twdemo-b; do ip netns del $ns 2>/dev/null || true; done
  rm -rf "$DATA"
}
trap cleanup EXIT
for ns in $NODE twdemo-a twdemo-b; do ip netns del $ns 2>/dev/null || true; done

cat > "$CONF" <<JSON
{
  "cniVersion": "1.1.0",
  "name": "twill-demo",
  "type": "twill",
  "bridge": "twdemo0",
  "isDefaultGateway": true,
  "ipMasq": true,
  "ipam": {
    "type": "twill-ipam",
    "ranges": [[{ "subnet": "10.254.100.0/24" }], [{ "subnet": "fd00:254:100::/64" }]],
    "dataDir": "$DATA/ipam"
  },
  "runtimeConfig": { "portMappings": [{ "hostPort": 8080, "containerPort": 80, "protocol": "tcp" }] }
}
JSON

# plugin VERB POD CONFIG: one invocation, as a runtime makes it
plugin() {
  ip netns exec $NODE env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$1" \
    CNI_CONTAINERID="demo-$2" CNI_NETNS="/run/netns/twdemo-$2" CNI_IFNAME=eth0 \
    CNI_PATH="$PWD/dist" ./dist/twill < "$3"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ip netns add $NODE
ip -n $NODE link set lo up
for pod in a b; do ip netns add twdemo-$pod; done

step "VERSION"
CNI_COMMAND=VERSION ./dist/twill </dev/null
step "ADD pod a (publishes node port 8080 -> pod port 80)"
plugin ADD a "$CONF" | tee "$DATA/a.json"
step "ADD pod b"
sed 's/"portMappings": \[[^]]*\]/"portMappings": []/' "$CONF" > "$DATA/b.conf"
plugin ADD b "$DATA/b.conf"

step "pod a: addresses and routes"
ip -n twdemo-a -br addr show dev eth0
ip -n twdemo-a route
IP_B=$(ip -n twdemo-b -4 -j addr show dev eth0 | sed 's/.*"local":"\([0-9.]*\)".*/\1/')
step "pod a -> pod b ($IP_B) and -> gateway"
ip netns exec twdemo-a ping -c2 -W1 "$IP_B"
ip netns exec twdemo-a ping -c1 -W1 10.254.100.1
step "node -> 127.0.0.1:8080 (published port of pod a)"
ip netns exec twdemo-a busybox nc -l -p 80 -e echo "hello from pod a" &
sleep 0.3
ip netns exec $NODE busybox nc -w 2 127.0.0.1 8080 </dev/null
wait
step "the IPAM store, as an operator sees it"
ls -l "$DATA/ipam/twill-demo"
step "DEL both pods (pod b after its namespace is gone: DEL needs no netns)"
plugin DEL a "$CONF"
ip netns del twdemo-b
plugin DEL b "$DATA/b.conf"
step "left on the node: the bridge only"
ip -n $NODE -br link
ls "$DATA/ipam/twill-demo/attachments"
echo "demo done"
