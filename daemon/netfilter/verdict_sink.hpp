#pragma once

#include <cstdint>
#include <optional>

namespace sluice {

// A verdict on one queued packet. `kind` is the netfilter verdict (NF_ACCEPT, NF_DROP,
// NF_REPEAT from linux/netfilter.h).
struct PacketVerdict {
    std::uint32_t packet_id = 0;
    std::uint32_t kind = 0;
    std::optional<std::uint32_t> mark;  // new packet mark (all 32 bits)
    // Conntrack mark to set in the same message, where the kernel has the conntrack glue.
    std::optional<std::uint32_t> conntrack_mark;
    std::uint32_t conntrack_mark_mask = 0;
};

// Where the verdict pipeline sends its answers. Implemented by the NFQUEUE socket (batched,
// flushed by the event loop after each receive batch) and by fakes in tests.
// Called on the queue thread only; must not block.
class VerdictSink {
  public:
    VerdictSink() = default;
    virtual ~VerdictSink() = default;
    VerdictSink(const VerdictSink&) = delete;
    VerdictSink& operator=(const VerdictSink&) = delete;

    virtual void issue(const PacketVerdict& verdict) = 0;

  protected:
    VerdictSink(VerdictSink&&) = default;
    VerdictSink& operator=(VerdictSink&&) = default;
};

}  // namespace sluice
