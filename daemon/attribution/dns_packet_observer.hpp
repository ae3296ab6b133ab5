#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "daemon/attribution/dns_answer_source.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// dns.observer "packet": an AF_PACKET socket on every interface of this network namespace
// with a classic BPF filter that keeps only incoming IPv4/IPv6 UDP and TCP packets from source
// port 53, delivered into a TPACKET_V2 mmap ring and read without syscalls.
//
// Why TPACKET_V2 and not V3: V3 hands whole blocks to user space, and a block is only handed
// over when it is full or its retire timer (>= 1 ms) fires; the answer a connection depends on
// could sit in an open block while that connection is decided. V2 releases every frame as soon
// as it is written, and the kernel writes it (af_packet tpacket_rcv, from the receive path's
// protocol taps) before the same packet is delivered to the resolver's socket. So when an
// application has its answer and connects, the frame is already visible here.
//
// Owned by the queue thread. Needs CAP_NET_RAW.
class DnsPacketObserver final : public DnsAnswerSource {
  public:
    struct Options {
        std::size_t frame_bytes = 4096;  // one captured packet; longer ones are cut (and parsed
                                         // as far as they go)
        std::size_t frame_count = 1024;
    };
    struct Counters {
        std::uint64_t packets = 0;    // frames read from the ring
        std::uint64_t messages = 0;   // DNS responses parsed
        std::uint64_t malformed = 0;  // DNS payloads the parser refused
        std::uint64_t truncated = 0;  // packets longer than a frame
    };

    static Result<std::unique_ptr<DnsPacketObserver>> open();
    static Result<std::unique_ptr<DnsPacketObserver>> open(const Options& options);

    [[nodiscard]] int fd() const override { return socket_.get(); }
    void drain(DnsCache& cache, DnsCache::TimePoint now) noexcept override;

    [[nodiscard]] const Counters& counters() const { return counters_; }
    // Packets the kernel dropped because the ring was full, since the last call (the kernel
    // resets its counter when read). 0 on error.
    std::uint64_t take_kernel_drops();

    // Unmaps the receive ring.
    struct RingUnmapper {
        std::size_t bytes = 0;
        void operator()(std::uint8_t* ring) const noexcept;
    };
    using Ring = std::unique_ptr<std::uint8_t, RingUnmapper>;

  private:
    DnsPacketObserver(Fd socket, Ring ring, const Options& options)
        : socket_(std::move(socket)), ring_(std::move(ring)), options_(options) {}

    // Declared after the socket so the ring is unmapped before the socket closes.
    Fd socket_;
    Ring ring_;
    Options options_;
    std::size_t next_frame_ = 0;
    Counters counters_;
};

}  // namespace sluice
