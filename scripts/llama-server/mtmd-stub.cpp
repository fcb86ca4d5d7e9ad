// A stand-in for llama.cpp's multimodal library (tools/mtmd) in a llama-server built for text-token models.
//
// llama-server calls mtmd only when it is started with a multimodal projector (--mmproj) or receives media; SEED's
// image tokens are ordinary vocabulary tokens, so none of that runs. Each entry point the server links is here with
// mtmd.h's own signature (the header is included, so a changed signature fails to compile): loading a projector
// fails with a message that says why, the capability queries answer "none", and an entry point that can only be
// reached with a loaded projector stops the process with a message instead of returning something wrong.
// scripts/llama-server/CMakeLists.txt builds the real library instead with -DLLAMA_SERVER_MTMD=ON.

#include <cstdio>
#include <cstdlib>
#include <map>

#include "mtmd-helper.h"
#include "mtmd.h"

namespace {

const char * const kMessage =
    "this llama-server was built without multimodal support (mtmd); rebuild with -DLLAMA_SERVER_MTMD=ON";

[[noreturn]] void unreachable(const char * fn) {
    std::fprintf(stderr, "%s: %s\n", fn, kMessage);
    std::abort();
}

}  // namespace

mtmd_context_params mtmd_context_params_default(void) {
    mtmd_context_params p{};
    p.use_gpu = false;
    p.print_timings = false;
    p.n_threads = 1;
    p.media_marker = "<__media__>";
    p.image_marker = p.media_marker;
    p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO;
    p.image_min_tokens = -1;
    p.image_max_tokens = -1;
    p.batch_max_tokens = 1024;
    return p;
}

mtmd_context * mtmd_init_from_file(const char * mmproj_fname, const llama_model *, const mtmd_context_params) {
    std::fprintf(stderr, "cannot load the multimodal projector %s: %s\n", mmproj_fname, kMessage);
    return nullptr;
}

void mtmd_free(mtmd_context *) {}
bool mtmd_support_vision(const mtmd_context *) { return false; }
bool mtmd_support_audio(const mtmd_context *) { return false; }
mtmd_caps mtmd_get_cap_from_file(const char *) { return mtmd_caps{false, false}; }
std::map<ggml_backend_dev_t, size_t> mtmd_get_memory_usage(const char *, mtmd_context_params) { return {}; }

mtmd_helper_init_opt mtmd_helper_init_opt_default(void) { return mtmd_helper_init_opt{}; }
void mtmd_helper_log_set(ggml_log_callback, void *) {}
bool mtmd_helper_support_video(const mtmd_context *) { return false; }

// Media chunks exist only after a projector was loaded.
mtmd_input_chunks * mtmd_input_chunks_init(void) { unreachable(__func__); }
void mtmd_input_chunks_free(mtmd_input_chunks * chunks) {
    if (chunks != nullptr) unreachable(__func__);
}
void mtmd_input_chunk_free(mtmd_input_chunk * chunk) {
    if (chunk != nullptr) unreachable(__func__);
}
void mtmd_bitmap_free(mtmd_bitmap * bitmap) {
    if (bitmap != nullptr) unreachable(__func__);
}
void mtmd_batch_free(mtmd_batch * batch) {
    if (batch != nullptr) unreachable(__func__);
}
void mtmd_helper_video_free(mtmd_helper_video * video) {
    if (video != nullptr) unreachable(__func__);
}
size_t mtmd_input_chunks_size(const mtmd_input_chunks *) { unreachable(__func__); }
const mtmd_input_chunk * mtmd_input_chunks_get(const mtmd_input_chunks *, size_t) { unreachable(__func__); }
mtmd_input_chunk_type mtmd_input_chunk_get_type(const mtmd_input_chunk *) { unreachable(__func__); }
const llama_token * mtmd_input_chunk_get_tokens_text(const mtmd_input_chunk *, size_t *) { unreachable(__func__); }
size_t mtmd_input_chunk_get_n_tokens(const mtmd_input_chunk *) { unreachable(__func__); }
const char * mtmd_input_chunk_get_id(const mtmd_input_chunk *) { unreachable(__func__); }
llama_pos mtmd_input_chunk_get_n_pos(const mtmd_input_chunk *) { unreachable(__func__); }
mtmd_input_chunk * mtmd_input_chunk_copy(const mtmd_input_chunk *) { unreachable(__func__); }
mtmd_input_chunk * mtmd_input_chunk_get_placeholder(const mtmd_input_chunk *) { unreachable(__func__); }
int32_t mtmd_input_chunk_save(const mtmd_input_chunk *, char *, size_t, size_t *) { unreachable(__func__); }
mtmd_input_chunk * mtmd_input_chunk_load(const char *, size_t) { return nullptr; }
int32_t mtmd_tokenize(const mtmd_context *, mtmd_input_chunks *, const mtmd_input_text *, const mtmd_bitmap * const *,
                      size_t) {
    unreachable(__func__);
}
mtmd_batch * mtmd_batch_init(mtmd_context *) { unreachable(__func__); }
int32_t mtmd_batch_add_chunk(mtmd_batch *, const mtmd_input_chunk *) { unreachable(__func__); }
int32_t mtmd_batch_encode(mtmd_batch *) { unreachable(__func__); }
float * mtmd_batch_get_output_embd(mtmd_batch *, const mtmd_input_chunk *) { unreachable(__func__); }
int32_t mtmd_helper_decode_image_chunk(mtmd_context *, llama_context *, const mtmd_input_chunk *, float *, llama_pos,
                                       llama_seq_id, int32_t, llama_pos *, mtmd_helper_post_decode_callback, void *) {
    unreachable(__func__);
}
mtmd_helper_bitmap_wrapper mtmd_helper_bitmap_init_from_buf(const mtmd_context *, const unsigned char *, size_t, bool,
                                                            mtmd_helper_init_opt) {
    unreachable(__func__);
}
