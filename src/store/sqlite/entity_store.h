#pragma once
// EntityStore on SQLite: table `entities` (migration 3).

#include "store/entities.h"
#include "store/sqlite/context.h"

namespace rampart::store::sqlite {

class SqliteEntityStore final : public EntityStore {
 public:
  explicit SqliteEntityStore(Context& ctx) : ctx_(ctx) {}
  Status Transact(const std::function<Status(EntityTx&)>& body) override;

 private:
  Context& ctx_;
};

}  // namespace rampart::store::sqlite
