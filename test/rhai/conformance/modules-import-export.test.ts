/** Conformance: modules import export (cases in ./cases/modules-import-export.ts). */
import { modulesImportExportCases } from './cases/modules-import-export.js';
import { defineCases } from './harness.js';

defineCases('modules import export', modulesImportExportCases);
