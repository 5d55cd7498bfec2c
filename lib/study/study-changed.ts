import { LemError } from "../errors.js";

/** A resumed or merged study whose study file changed since it started: mixing would pool different configurations. */
export class StudyChangedError extends LemError {
  constructor(dir: string, differences: string[]) {
    super(
      "LEM_STUDY_CHANGED",
      `the study in ${dir} was started from a different configuration; resuming would mix results. Differences:\n` +
        differences.map((d) => `- ${d}`).join("\n") +
        `\nRestore the study file as it was, or start a new study (without --resume).`,
    );
  }
}
