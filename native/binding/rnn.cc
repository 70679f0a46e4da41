// LSTM / GRU cell bindings (argument lists: lib/backend/spec/rnn.ts; kernel spec: kernels/rnn_api.h):
//   lstmForward(xg, hg, cPrev, N, H, gates, c, h)
//   lstmBackward(dy, dhr, dc, gates, cPrev, c, N, H, dG, dcPrev)      dcPrev may be dc itself
//   gruForward(xg, hg, hPrev, N, H, gates, h)
//   gruBackward(dy, dhr, gates, hPrev, N, H, dxg, dhg, dhPrev)
// Every length is checked; outputs overlap no input (except dcPrev = dc) nor each other. Rows are cut
// between threads; each (row, unit) is computed alone, so the bits never depend on the thread count.
#include <initializer_list>
#include <utility>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

static void batch_units(const Napi::CallbackInfo& info, size_t i, size_t& N, size_t& H) {
  N = arg_size(info, i, "N");
  H = arg_size(info, i + 1, "H");
  if (H == 0) throw_range(info.Env(), "Expected at least 1 for H but received number 0");
  if (N > (SIZE_MAX / 64) / H) throw_range(info.Env(), "Expected N * H to fit in memory");
}

// Each output must overlap none of the inputs and none of the other outputs.
static void check_outputs(Napi::Env env, std::initializer_list<const F32*> outs, std::initializer_list<const F32*> ins) {
  for (const F32* o : outs) {
    for (const F32* in : ins) check_disjoint(env, *o, *in, "an output", "an input");
    for (const F32* o2 : outs)
      if (o2 != o) check_disjoint(env, *o, *o2, "an output", "another output");
  }
}

static Napi::Value lstm_forward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 xg = arg_f32(info, 0, "xg"), hg = arg_f32(info, 1, "hg"), cp = arg_f32(info, 2, "cPrev");
  size_t N, H;
  batch_units(info, 3, N, H);
  F32 gates = arg_f32(info, 5, "gates"), c = arg_f32(info, 6, "c"), h = arg_f32(info, 7, "h");
  check_len(env, xg, N * 4 * H, "xg");
  check_len(env, hg, N * 4 * H, "hg");
  check_len(env, cp, N * H, "cPrev");
  check_len(env, gates, N * 4 * H, "gates");
  check_len(env, c, N * H, "c");
  check_len(env, h, N * H, "h");
  check_outputs(env, {&gates, &c, &h}, {&xg, &hg, &cp});
  AddonData& d = addon(info);
  const auto k = d.table->rnn.lstm_forward;
  parallel_for(N, 1, 8 * N * H, d.threads, [&](size_t r0, size_t r1) { k(xg.p, hg.p, cp.p, H, gates.p, c.p, h.p, r0, r1); });
  return env.Undefined();
}

static Napi::Value lstm_backward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy"), dhr = arg_f32(info, 1, "dhr"), dc = arg_f32(info, 2, "dc");
  F32 gates = arg_f32(info, 3, "gates"), cp = arg_f32(info, 4, "cPrev"), c = arg_f32(info, 5, "c");
  size_t N, H;
  batch_units(info, 6, N, H);
  F32 dG = arg_f32(info, 8, "dG"), dcp = arg_f32(info, 9, "dcPrev");
  const std::pair<const F32*, const char*> units[] = {{&dy, "dy"}, {&dhr, "dhr"}, {&dc, "dc"}, {&cp, "cPrev"}, {&c, "c"}, {&dcp, "dcPrev"}};
  for (const auto& [a, name] : units) check_len(env, *a, N * H, name);
  check_len(env, gates, N * 4 * H, "gates");
  check_len(env, dG, N * 4 * H, "dG");
  check_same_or_disjoint(env, dcp, dc, "dcPrev", "dc");
  check_outputs(env, {&dG}, {&dy, &dhr, &dc, &gates, &cp, &c, &dcp});
  for (const F32* in : {&dy, &dhr, &gates, &cp, &c}) check_disjoint(env, dcp, *in, "dcPrev", "an input");
  AddonData& d = addon(info);
  const auto k = d.table->rnn.lstm_backward;
  parallel_for(N, 1, 12 * N * H, d.threads, [&](size_t r0, size_t r1) { k(dy.p, dhr.p, dc.p, gates.p, cp.p, c.p, H, dG.p, dcp.p, r0, r1); });
  return env.Undefined();
}

static Napi::Value gru_forward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 xg = arg_f32(info, 0, "xg"), hg = arg_f32(info, 1, "hg"), hp = arg_f32(info, 2, "hPrev");
  size_t N, H;
  batch_units(info, 3, N, H);
  F32 gates = arg_f32(info, 5, "gates"), h = arg_f32(info, 6, "h");
  check_len(env, xg, N * 3 * H, "xg");
  check_len(env, hg, N * 3 * H, "hg");
  check_len(env, hp, N * H, "hPrev");
  check_len(env, gates, N * 4 * H, "gates");
  check_len(env, h, N * H, "h");
  check_outputs(env, {&gates, &h}, {&xg, &hg, &hp});
  AddonData& d = addon(info);
  const auto k = d.table->rnn.gru_forward;
  parallel_for(N, 1, 6 * N * H, d.threads, [&](size_t r0, size_t r1) { k(xg.p, hg.p, hp.p, H, gates.p, h.p, r0, r1); });
  return env.Undefined();
}

static Napi::Value gru_backward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy"), dhr = arg_f32(info, 1, "dhr"), gates = arg_f32(info, 2, "gates"), hp = arg_f32(info, 3, "hPrev");
  size_t N, H;
  batch_units(info, 4, N, H);
  F32 dxg = arg_f32(info, 6, "dxg"), dhg = arg_f32(info, 7, "dhg"), dhp = arg_f32(info, 8, "dhPrev");
  check_len(env, dy, N * H, "dy");
  check_len(env, dhr, N * H, "dhr");
  check_len(env, gates, N * 4 * H, "gates");
  check_len(env, hp, N * H, "hPrev");
  check_len(env, dxg, N * 3 * H, "dxg");
  check_len(env, dhg, N * 3 * H, "dhg");
  check_len(env, dhp, N * H, "dhPrev");
  check_outputs(env, {&dxg, &dhg, &dhp}, {&dy, &dhr, &gates, &hp});
  AddonData& d = addon(info);
  const auto k = d.table->rnn.gru_backward;
  parallel_for(N, 1, 10 * N * H, d.threads, [&](size_t r0, size_t r1) { k(dy.p, dhr.p, gates.p, hp.p, H, dxg.p, dhg.p, dhp.p, r0, r1); });
  return env.Undefined();
}

void register_rnn(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "lstmForward", lstm_forward_fn);
  FG_FN(exports, "lstmBackward", lstm_backward_fn);
  FG_FN(exports, "gruForward", gru_forward_fn);
  FG_FN(exports, "gruBackward", gru_backward_fn);
}

}  // namespace fg
