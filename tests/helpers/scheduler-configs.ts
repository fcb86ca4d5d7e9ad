// Scheduler configs the tests share: stable-diffusion-2-1-unclip's values (what the real SEED's decoder uses), as a
// diffusers PNDM config.

export const SD_PNDM = {
  _class_name: "PNDMScheduler",
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  num_train_timesteps: 1000,
  prediction_type: "epsilon",
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
};
