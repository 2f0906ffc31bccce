/**
 * The rule set every tenant starts with. It keeps a failed card, a dispute and a churn signal apart:
 * a revoked authorisation goes to the account owner as churn risk; hard declines get a request for new
 * payment details (never retries); soft declines are left to automatic retries until the third failure;
 * genuine overdue follows 7/15/30/60/90-day tiers with a tone that rises with risk. Inside the renewal
 * window the relationship owner handles a failed card or an overdue balance, gently, before anything
 * automated goes out. (Disputes are handled by the built-in dispute-review rail; paused accounts and
 * payments on their way get nothing.) A card on file that expires before the next renewal or invoice gets a
 * gentle, low-priority request for an updated card before any payment fails. Every title states only
 * facts its conditions guarantee.
 */
export const DEFAULT_RULE_SET = {
  name: 'Default collections playbook',
  renewalWindowDays: 90,
  caps: { maxContactsPerWeek: 2, minHoursBetweenContacts: 48 },
  rules: [
    {
      id: 'churn-revoked-authorization',
      description:
        'A revoked authorisation or stop-payment order is a churn signal, not a collections problem.',
      when: { churnSignalIn: ['payment_authorization_revoked', 'stop_payment_order'] },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: 'Churn risk: {{name}} stopped its payments ({{declineCode}})',
          body: '{{declineAction}} Reach out about the relationship, not the invoice.',
          dueInDays: 1,
          priority: 'high',
        },
        tone: 'gentle',
        holdDays: 30,
      },
    },
    {
      id: 'revoked-authorization-follow-up',
      description:
        'A revocation older than the churn signal still needs a new authorisation, from the owner.',
      when: { declineClassIn: ['hard_revoked'], churnSignal: false },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: 'Ask {{name}} for a new payment authorisation ({{declineCode}})',
          body: '{{declineAction}}',
          dueInDays: 2,
          priority: 'medium',
        },
        tone: 'gentle',
      },
    },
    {
      id: 'renewal-window-card-update',
      description:
        'Near renewal, a hard decline is a gentle request for new card details from the relationship owner.',
      when: {
        inRenewalWindow: true,
        declineClassIn: ['hard_new_data', 'hard_other', 'hard_risk', 'action_required'],
      },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: '{{name}} renews in {{daysToRenewal}} days: {{paymentFix}} ({{declineCode}})',
          body: '{{declineAction}} Keep it personal and gentle: the renewal comes first.',
          dueInDays: 1,
          priority: 'high',
        },
        tone: 'gentle',
        dunningStage: 'card_update',
      },
    },
    {
      id: 'renewal-window-soft-decline',
      description: 'Near renewal, a card that keeps failing is mentioned to the owner while retries run.',
      when: {
        inRenewalWindow: true,
        declineClassIn: ['soft_funds', 'soft_technical', 'ambiguous', 'unknown'],
        failuresAtLeast: 2,
      },
      then: {
        createTask: {
          assignee: 'account_owner',
          title:
            '{{name}} renews in {{daysToRenewal}} days: card failed {{failures}} times ({{declineCode}})',
          body: '{{declineAction}} Retries continue; a friendly word from you keeps the renewal safe.',
          dueInDays: 2,
          priority: 'medium',
        },
        tone: 'gentle',
        dunningStage: 'retry',
      },
    },
    {
      id: 'renewal-window-overdue',
      description: 'Near renewal, the relationship owner handles an overdue balance, gently.',
      when: { inRenewalWindow: true, daysPastDue: { min: 7 }, situationsExclude: ['failed_payment'] },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: '{{name}} renews in {{daysToRenewal}} days with {{overdue}} overdue',
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
      id: 'hard-decline-card-update',
      description: 'A hard decline will not succeed on retry: ask for new payment details.',
      when: {
        inRenewalWindow: false,
        declineClassIn: ['hard_new_data', 'hard_other', 'hard_risk', 'action_required'],
      },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: 'Payment failed for {{name}}: {{paymentFix}} ({{declineCode}})',
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
      description: 'Soft and unclassified declines are left to automatic retries until the third failure.',
      when: {
        inRenewalWindow: false,
        declineClassIn: ['soft_funds', 'soft_technical', 'ambiguous', 'unknown'],
        failuresAtLeast: 3,
      },
      then: {
        createTask: {
          assignee: 'finance_queue',
          title: '{{name}}: card failed {{failures}} times ({{declineCode}}), {{paymentFix}}',
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
        riskTierIn: ['low', 'unknown'],
        situationsExclude: ['failed_payment'],
      },
      then: {
        createTask: {
          assignee: 'account_owner',
          title: 'Call {{name}}: {{daysPastDue}} days past due ({{overdue}})',
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
          body: 'Check the account, then send the final notice before the balance goes to write-off review.',
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
          title: 'Write-off or agency review: {{name}} is {{daysPastDue}} days past due ({{overdue}})',
          body: 'Reminders have run their course. With finance, choose a payment plan, a collection agency or a write-off, and record the choice on the account.',
          priority: 'high',
          dueInDays: 5,
        },
        requireReview: true,
        dunningStage: 'write_off_or_agency_review',
      },
    },
    {
      id: 'card-expires-before-renewal',
      description:
        'A card that expires before the next renewal or invoice will fail: the owner asks for an updated card first.',
      when: { cardExpiresBeforeRenewal: true },
      then: {
        createTask: {
          assignee: 'account_owner',
          title:
            'Card on file expires {{cardExpiry}}, before the {{nextCharge}} on {{nextChargeOn}}: ask for an updated card',
          body: 'The card ending {{cardLast4}} will have expired by then. A friendly note before anything fails; the task closes when the card on file is updated.',
          priority: 'low',
          dueInDays: 5,
        },
        tone: 'gentle',
      },
    },
  ],
} as const;
