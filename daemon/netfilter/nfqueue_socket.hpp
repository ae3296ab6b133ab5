#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "daemon/netfilter/queued_packet.hpp"
#include "daemon/netfilter/verdict_sink.hpp"

namespace sluice {

// One bound NFQUEUE queue on a NETLINK_NETFILTER socket (libmnl + libnetfilter_queue's nlmsg
// helpers). Owned and used by the queue thread only. Receives in batches (recvmmsg) without
// blocking; verdicts are appended to an outgoing batch and sent by flush() in one sendmsg.
class NfqueueSocket final : public VerdictSink {
  public:
    struct Options {
        std::uint16_t queue_number = 4242;
        std::uint32_t max_len = 4096;
        // Bytes of each packet copied to us: enough for IPv6 + extension headers + TCP options.
        std::uint32_t copy_range = 256;
        bool fail_open = true;
        bool want_conntrack = true;
    };
    // What the kernel accepted when we asked (NLM_F_ACK on each flag separately).
    struct Features {
        bool conntrack = false;  // NFQA_CFG_F_CONNTRACK: needs CONFIG_NETFILTER_NETLINK_GLUE_CT
        bool uid_gid = false;
        bool gso = false;
        bool fail_open = false;
    };
    struct Counters {
        std::uint64_t packets = 0;
        std::uint64_t verdicts_sent = 0;
        std::uint64_t verdict_errors = 0;  // NLMSG_ERROR answers to verdicts (e.g. ENOENT)
        std::uint64_t malformed_messages = 0;
        std::uint64_t receive_overruns = 0;  // ENOBUFS: the kernel dropped messages for us
    };
    using PacketHandler = std::function<void(const QueuedPacket&)>;

    static Result<NfqueueSocket> open(const Options& options);

    NfqueueSocket(NfqueueSocket&&) noexcept;
    NfqueueSocket& operator=(NfqueueSocket&&) noexcept;
    ~NfqueueSocket() override;

    [[nodiscard]] int fd() const { return socket_.get(); }
    [[nodiscard]] const Features& features() const { return features_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] std::uint16_t queue_number() const { return queue_number_; }

    // Handles every packet already waiting, up to `max_packets`, without blocking. Returns how
    // many packets were handled. Verdicts issued by the handler stay batched until flush().
    Result<std::size_t> receive(const PacketHandler& handler, std::size_t max_packets);
    void issue(const PacketVerdict& verdict) override;
    Result<void> flush();

  private:
    struct ReceiveRing;
    NfqueueSocket(Fd socket, std::uint16_t queue_number, std::uint32_t port_id);
    Result<void> configure(const Options& options);
    Result<void> request_with_ack(std::vector<char>& message, const char* what);
    void dispatch(const char* data, std::size_t length, const PacketHandler& handler,
                  std::size_t& handled);

    Fd socket_;
    std::uint16_t queue_number_;
    std::uint32_t port_id_;
    std::uint32_t sequence_ = 1;
    Features features_;
    Counters counters_;
    std::vector<char> send_batch_;
    std::size_t send_batch_used_ = 0;
    std::unique_ptr<ReceiveRing> ring_;
};

}  // namespace sluice
