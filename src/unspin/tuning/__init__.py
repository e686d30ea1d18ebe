"""Choices made on the tuning split after training: decoding thresholds, calibration maps,
span memory, the output rules, and the figures that judge them. No torch; never imports
`unspin.training`."""
