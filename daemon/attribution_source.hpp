#pragma once

#include "daemon/netfilter/queued_packet.hpp"
#include "rules/connection.hpp"

namespace sluice {

// Fills in who opened a connection (uid, user, pid, exe, ...) given its tuple, already set in
// `connection`, and the queued packet (socket uid from NFQUEUE). Called on the queue thread:
// an implementation must bound its work (no unbounded /proc walks, no network) and leave
// fields it cannot learn empty. Never throws.
class AttributionSource {
  public:
    AttributionSource() = default;
    virtual ~AttributionSource() = default;
    AttributionSource(const AttributionSource&) = delete;
    AttributionSource& operator=(const AttributionSource&) = delete;

    virtual void attribute(const QueuedPacket& packet, Connection& connection) noexcept = 0;
};

}  // namespace sluice
