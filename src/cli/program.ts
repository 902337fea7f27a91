import { Command } from 'commander';
import { hearthVersion } from '../server.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerServeCommand } from './serve.ts';
import { registerWorkspaceCommands } from './workspace.ts';
import { registerReplayCommand } from './replay.ts';
import { registerImportCommand } from './import.ts';
import { registerDemoCommand } from './demo.ts';
import { registerWorkerCommand } from './worker.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerExportCommand } from './export.ts';

export function buildProgram(): Command {
  const program = new Command('hearth')
    .description('Hearth: member operations platform (CDP, loyalty, audiences, journeys)')
    .version(hearthVersion)
    .showHelpAfterError();
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerWorkspaceCommands(program);
  registerMigrateCommand(program);
  registerReplayCommand(program);
  registerImportCommand(program);
  registerDemoCommand(program);
  registerSimulateCommand(program);
  registerExportCommand(program);
  return program;
}
