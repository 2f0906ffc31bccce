import { Divider, Flex, hubspot } from '@hubspot/ui-extensions';
import { GUARDRAILS, inForceLabel, RULE_SETS } from './api/policies';
import { CrmConnectionStatus } from './components/CrmConnectionStatus';
import { CsmPropertySetting } from './components/CsmPropertySetting';
import { DiffPanel } from './components/DiffPanel';
import { PolicySection, type PolicyTools } from './components/PolicySection';
import { SimulationPanel } from './components/SimulationPanel';
import { useRuleSetTools } from './hooks/useRuleSetTools';

hubspot.extend<'settings'>(() => <CollectionsRulesSettings />);

export function CollectionsRulesSettings() {
  const { simulate, diff } = useRuleSetTools();
  const ruleSetTools: PolicyTools = ({ text, documents }) => (
    <Flex direction="column" gap="md">
      <SimulationPanel
        text={text}
        current={documents.active?.document ?? documents.defaultDocument}
        currentLabel={inForceLabel(documents)}
        onSimulate={simulate}
      />
      <DiffPanel versions={documents.versions} onDiff={diff} />
    </Flex>
  );
  return (
    <Flex direction="column" gap="lg">
      <CrmConnectionStatus />
      <PolicySection kind={RULE_SETS} tools={ruleSetTools} />
      <Divider />
      <PolicySection kind={GUARDRAILS} />
      <Divider />
      <CsmPropertySetting />
    </Flex>
  );
}
