#pragma once

#include "daemon/netfilter/conntrack_flow_table.hpp"
#include "dbus/rule_dict.hpp"

namespace sluice {

// One live flow as ListConnections shows it: the connection keys of spec/dbus.md as the rules
// saw them (or just the tuple for flows sluice did not decide), plus `verdict`, `rule`,
// `decided` (RFC 3339), `bytes`/`packets` in each direction (`_sent` original, `_received`
// reply) and their totals `bytes` and `packets`.
VariantDict live_flow_dict(const LiveFlow& flow);

}  // namespace sluice
