#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

// A throwaway dpkg info directory: PKG.list and PKG.md5sums files.
namespace sluice::test {

class FakeDpkg {
  public:
    FakeDpkg() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sluice-fake-dpkg-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        root_ = pattern;
        std::filesystem::create_directories(root_ / "info");
    }
    ~FakeDpkg() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    FakeDpkg(const FakeDpkg&) = delete;
    FakeDpkg& operator=(const FakeDpkg&) = delete;
    FakeDpkg(FakeDpkg&&) = delete;
    FakeDpkg& operator=(FakeDpkg&&) = delete;

    [[nodiscard]] std::string info_dir() const { return (root_ / "info").string(); }
    [[nodiscard]] std::filesystem::path root() const { return root_; }

    void write(const std::string& name, const std::string& content) {
        std::ofstream(root_ / "info" / name, std::ios::binary) << content;
    }

  private:
    std::filesystem::path root_;
};

}  // namespace sluice::test
