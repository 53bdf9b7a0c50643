/**
 * A team stack's whole program in a user's repository: MeshTeam reads the platform stack's outputs
 * through its own StackReference. The same team as test/fixtures/org/Pulumi.orders.yaml.
 */
import { MeshTeam } from "service-edges/org";

const team = new MeshTeam("mesh", {
  platformStack: "acme/payments-infra/platform",
  team: "orders",
  services: {
    orders: {
      sku: "P1v3",
      roles: ["Orders.Read", "Orders.Write"],
      calls: { stock: ["Stock.Read"] },
    },
    billing: { sku: "P0v3", roles: ["Invoices.Read"], easyAuth: true },
  },
  edges: [
    { from: "web", to: "orders", roles: ["Orders.Read", "Orders.Write"] },
    { from: "reports", to: "orders", roles: ["Orders.Read"] },
    { from: "orders", to: "billing", roles: ["Invoices.Read"] },
    { from: "reports", to: "billing", roles: ["Invoices.Read"] },
  ],
});
export const accessMatrix = team.accessMatrix;
