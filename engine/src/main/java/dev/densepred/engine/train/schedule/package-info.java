/**
 * Learning-rate schedules: mmengine's param schedulers ({@link dev.densepred.engine.train.schedule.LinearLR},
 * {@link dev.densepred.engine.train.schedule.MultiStepLR}, {@link dev.densepred.engine.train.schedule.StepLR},
 * {@link dev.densepred.engine.train.schedule.PolyLR}, {@link dev.densepred.engine.train.schedule.CosineAnnealingLR})
 * composed by {@link dev.densepred.engine.train.schedule.LrSchedule} into a closed form of the iteration.
 */
package dev.densepred.engine.train.schedule;
