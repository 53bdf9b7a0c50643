/** `check CALLER CALLEE`: may one service call another? Both layers, the rule or grant that decided. */
import type { Command } from "commander";
import { checkAccess, describeAccess } from "../access";
import { EXIT, type Io, type PlanFlags, queryCommand, queryPlan } from "./options";

export function addCheckCommand(program: Command, io: Io): void {
  queryCommand(program, "check", "<caller>", "may CALLER call CALLEE? exit 0 allowed, 3 denied")
    .argument("<callee>")
    .action(async (caller: string, callee: string, flags: PlanFlags) => {
      const result = await queryPlan(flags);
      const answer = checkAccess(result, caller, callee);
      io.out(flags.json ? JSON.stringify(answer, null, 2) : describeAccess(answer));
      io.done(answer.allowed ? EXIT.ok : EXIT.denied);
    });
}
