/**
 * The rule set every tenant starts with. It keeps a failed card, a dispute and a churn signal apart:
 * soft declines are left to automatic retries until the third failure, hard declines get a card
 * update, a revoked authorisation goes to the owner as churn risk; genuine overdue follows
 * 7/15/30/60/90-day tiers with a tone that rises with risk; inside the renewal window handling is
 * CSM-led and gentle. (Disputes are handled by the built-in dispute-review rail.)
 */
export const DEFAULT_RULE_SET = {
  name: 'Default collections playbook',
  renewalWindowDays: 90,
  caps: { maxContactsPerWeek: 2, minHoursBetweenContacts: 48 },
  rules: [
    {
      id: 'renewal-window-overdue',
      description: 'Near renewal, a person who owns the relationship handles anything overdue, gently.',
      when: { inRenewalWindow: true, situationsInclude: ['overdue', 'failed_payment'] },
      then: {
        createTask: {
          assignee: 'csm',
          title: 'Renewal in {{daysToRenewal}} days: {{name}} has {{overdue}} overdue',
          body: 'Talk to the customer before any reminder goes out. Oldest invoice {{daysPastDue}} days past due.',
          dueInDays: 2,
          priority: 'high',
        },
        tone: 'gentle',
        requireReview: true,
        holdDays: 7,
      },
    },
    {
      id: 'churn-revoked-authorization',
      description:
        'A revoked authorisation or stop-payment order is a churn signal, not a collections problem.',
      when: { churnSignalIn: ['payment_authorization_revoked', 'stop_payment_order'] },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: 'Churn risk: {{name}} revoked its payment authorisation',
          body: 'The customer stopped payments ({{declineCode}}). Reach out about the relationship, not the invoice.',
          dueInDays: 1,
          priority: 'high',
        },
        holdDays: 30,
      },
    },
    {
      id: 'hard-decline-card-update',
      description: 'A hard decline will not succeed on retry: ask for a new card.',
      when: { declineClassIn: ['hard_new_data', 'hard_other', 'hard_risk', 'action_required'] },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Card update needed for {{name}} ({{declineCode}})',
          body: '{{declineAction}}',
          dueInDays: 2,
          priority: 'medium',
        },
        tone: 'helpful',
        dunningStage: 'card_update',
      },
    },
    {
      id: 'soft-decline-after-retries',
      description: 'Soft declines are left to automatic retries until the third failure.',
      when: { declineClassIn: ['soft_funds', 'soft_technical', 'ambiguous'], failuresAtLeast: 3 },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: '{{name}}: card failed {{declineCode}} three times',
          body: '{{declineAction}}',
          dueInDays: 2,
          priority: 'medium',
        },
        tone: 'helpful',
        dunningStage: 'retry_exhausted',
      },
    },
    {
      id: 'overdue-7',
      when: {
        daysPastDue: { min: 7, max: 14 },
        inRenewalWindow: false,
        situationsExclude: ['failed_payment'],
      },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Friendly reminder to {{name}}: {{overdue}} overdue',
          priority: 'low',
          dueInDays: 2,
        },
        tone: 'gentle',
        dunningStage: 'reminder_1',
      },
    },
    {
      id: 'overdue-15',
      when: {
        daysPastDue: { min: 15, max: 29 },
        inRenewalWindow: false,
        situationsExclude: ['failed_payment'],
      },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Second reminder to {{name}}: {{overdue}} overdue',
          priority: 'medium',
          dueInDays: 2,
        },
        tone: 'helpful',
        dunningStage: 'reminder_2',
      },
    },
    {
      id: 'overdue-30-low-risk',
      when: {
        daysPastDue: { min: 30, max: 59 },
        inRenewalWindow: false,
        riskTierIn: ['low'],
        situationsExclude: ['failed_payment'],
      },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: '{{name}} is {{daysPastDue}} days past due ({{overdue}})',
          priority: 'medium',
          dueInDays: 3,
        },
        tone: 'helpful',
        dunningStage: 'owner_outreach',
      },
    },
    {
      id: 'overdue-30-elevated-risk',
      when: {
        daysPastDue: { min: 30, max: 59 },
        inRenewalWindow: false,
        riskTierIn: ['medium', 'high'],
        situationsExclude: ['failed_payment'],
      },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Escalate: {{name}} {{daysPastDue}} days past due ({{overdue}})',
          priority: 'high',
          dueInDays: 2,
        },
        tone: 'firm',
        dunningStage: 'escalation',
      },
    },
    {
      id: 'overdue-60',
      when: { daysPastDue: { min: 60, max: 89 }, inRenewalWindow: false },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Final notice review for {{name}} ({{overdue}}, {{daysPastDue}} days)',
          priority: 'high',
          dueInDays: 2,
        },
        tone: 'firm',
        requireReview: true,
        dunningStage: 'final_notice',
      },
    },
    {
      id: 'overdue-90',
      when: { daysPastDue: { min: 90 }, inRenewalWindow: false },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Decide next step for {{name}}: {{daysPastDue}} days past due',
          priority: 'high',
          dueInDays: 5,
        },
        requireReview: true,
        dunningStage: 'write_off_or_agency_review',
      },
    },
  ],
} as const;
