#pragma once

#include <cstddef>

namespace dns64d::cache {

// One anonymous mapping reserved up front: the cache never grows after
// creation, and large regions ask for transparent huge pages to spare the TLB.
class Region {
 public:
  explicit Region(size_t bytes);  // throws std::bad_alloc
  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace dns64d::cache
