import type { z } from 'zod';
import type { formInputSchema, RULE_KINDS } from '../../protocol/api/index.js';

// The form's schema is the wire's (protocol/api): PUT /api/qa/form validates with it, and so does saveForm.
export { formInputSchema, RULE_KINDS } from '../../protocol/api/index.js';
export type RuleKind = (typeof RULE_KINDS)[number];

export type FormInput = z.output<typeof formInputSchema>;
export type Question = FormInput['sections'][number]['questions'][number];
export interface EvaluationForm extends FormInput {
  version: number;
  createdAt: string;
  createdBy: string;
}

const GREETINGS = ['您好', '你好', '歡迎', '欢迎', 'hello', 'hi', 'good morning', 'good afternoon', 'welcome'];
const EMPATHY = ['理解', '明白', '抱歉', '不好意思', '辛苦', 'understand', 'sorry', 'apologise', 'apologize', 'i see how'];
const CLOSING = ['謝謝', '谢谢', '再見', '再见', '祝您', 'thank you', 'thanks for', 'goodbye', 'have a nice', 'have a good'];
const REQUIRED = ['還有其他', '还有其他', 'anything else'];
const PROHIBITED = ['不關我的事', '不关我的事', '你自己看', '不知道啦', 'not my problem', 'calm down', 'whatever', 'that is your fault'];
const IDENTIFY = ['核對', '核对', '身分', '身份', '卡號', '卡号', 'verify', 'confirm your', 'date of birth', 'identity'];

/** The default form: about twenty dimensions in five sections, each scored by an automatic rule. */
export const DEFAULT_FORM: FormInput = {
  name: 'Branchline standard service review',
  sections: [
    {
      id: 'opening',
      title: 'Opening',
      questions: [
        { id: 'greeting', title: 'Greets the customer', weight: 4, rule: 'greeting', params: { phrases: GREETINGS, targetSeconds: 30 } },
        { id: 'identification', title: 'Identifies or verifies the customer', weight: 4, rule: 'identification', params: { phrases: IDENTIFY } },
        { id: 'time-to-answer', title: 'Answers within 30 seconds', weight: 6, rule: 'time-to-answer', params: { targetSeconds: 30 } },
      ],
    },
    {
      id: 'conduct',
      title: 'Conversation',
      questions: [
        { id: 'silence', title: 'Keeps hold and silence short', weight: 4, rule: 'silence', params: { maxShare: 0.35 } },
        { id: 'interruptions', title: 'Does not talk over the customer', weight: 4, rule: 'interruptions', params: { maxCount: 2 } },
        { id: 'empathy', title: 'Shows empathy', weight: 5, rule: 'empathy', params: { phrases: EMPATHY } },
        { id: 'de-escalation', title: 'De-escalates after an emotion alert', weight: 5, rule: 'de-escalation', params: { phrases: EMPATHY, targetSeconds: 60 } },
        { id: 'reply-coverage', title: 'Answers every customer message', weight: 4, rule: 'reply-coverage', params: { targetSeconds: 120 } },
      ],
    },
    {
      id: 'knowledge',
      title: 'Knowledge and compliance',
      questions: [
        { id: 'knowledge-used', title: 'Uses the recommended solutions', weight: 4, rule: 'knowledge-used', params: {} },
        { id: 'knowledge-accuracy', title: 'Answer matched a valid article, not a retired one', weight: 8, rule: 'knowledge-accuracy', params: {} },
        { id: 'required-phrases', title: 'Says the required phrases', weight: 4, rule: 'required-phrases', params: { phrases: REQUIRED } },
        { id: 'prohibited-phrases', title: 'Avoids prohibited phrases', weight: 8, rule: 'prohibited-phrases', params: { phrases: PROHIBITED } },
      ],
    },
    {
      id: 'outcome',
      title: 'Outcome',
      questions: [
        { id: 'resolution', title: 'Resolves the request', weight: 10, rule: 'resolution', params: {} },
        { id: 'ticket-when-unresolved', title: 'Opens a knowledge ticket when unresolved', weight: 4, rule: 'ticket-when-unresolved', params: {} },
        { id: 'routing-confirmed', title: 'Confirms or corrects the routed intent', weight: 2, rule: 'routing-confirmed', params: {} },
        { id: 'transfers', title: 'No transfers', weight: 3, rule: 'transfers', params: { maxCount: 0 } },
      ],
    },
    {
      id: 'closing',
      title: 'Closing and experience',
      questions: [
        { id: 'closing', title: 'Closes the call properly', weight: 4, rule: 'closing', params: { phrases: CLOSING } },
        { id: 'csat', title: 'Customer satisfaction 4 or 5', weight: 6, rule: 'csat', params: { minScore: 4 } },
        { id: 'emotion-improved', title: 'Customer calmer at the end than at the start', weight: 6, rule: 'emotion-improved', params: {} },
        { id: 'handle-time', title: 'Handle time within target', weight: 4, rule: 'handle-time', params: { targetSeconds: 600 } },
      ],
    },
  ],
};
