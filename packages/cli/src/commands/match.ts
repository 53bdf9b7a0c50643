/** `match SERVICE`: who may call it, and whom it may call, each pair checked on both layers. */
import type { Command } from "commander";
import { type AccessAnswer, matchAccess } from "../access";
import { EXIT, type Io, type PlanFlags, queryCommand, queryPlan } from "./options";

/** One pair in a list: the roles, and what breaks it when a layer refuses. */
function pairLine(name: string, a: AccessAnswer): string {
  const roles = a.identity.roles.join(", ") || "no roles";
  const broken = a.network.allowed ? a.identity.reason : a.network.reason;
  return `  ${name} (${roles})${a.allowed ? "" : " - BROKEN: " + broken}`;
}

export function addMatchCommand(program: Command, io: Io): void {
  queryCommand(program, "match", "<service>", "who may call SERVICE, and whom it may call").action(
    async (service: string, flags: PlanFlags) => {
      const result = await queryPlan(flags);
      const m = matchAccess(result, service);
      if (flags.json) io.out(JSON.stringify(m, null, 2));
      else {
        io.out(`${service} may be called by:${m.inbound.length ? "" : " nobody"}`);
        for (const a of m.inbound) io.out(pairLine(a.caller, a));
        io.out(`${service} may call:${m.outbound.length ? "" : " nobody"}`);
        for (const a of m.outbound) io.out(pairLine(a.callee, a));
      }
      io.done(EXIT.ok);
    },
  );
}
