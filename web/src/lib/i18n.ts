export const KIOSK_LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;
export type KioskLanguage = (typeof KIOSK_LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<KioskLanguage, string> = {
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
  en: 'English',
};

interface KioskTexts {
  welcome: string;
  subtitle: string;
  askPlaceholder: string;
  ask: string;
  commonTitle: string;
  common: string[];
  talkTitle: string;
  talkHint: string;
  questionReceived: string;
  agentRequested: string;
  backToStart: string;
  notRegistered: string;
  staffSetup: string;
  deviceToken: string;
  register: string;
  cancel: string;
  tokenRejected: string;
  registeredAs: string;
  sendFailed: string;
}

export const KIOSK_TEXTS: Record<KioskLanguage, KioskTexts> = {
  'zh-Hant': {
    welcome: '歡迎光臨',
    subtitle: '今天有什麼可以幫您？請輸入問題、選擇常見問題，或與專員視訊。',
    askPlaceholder: '請輸入您的問題…',
    ask: '提問',
    commonTitle: '常見問題',
    common: ['營業時間是幾點？', '我的信用卡遺失了', '查詢包裹物流進度', '我想申請退貨', '學費如何繳交？', '如何開立新帳戶？'],
    talkTitle: '與專員視訊',
    talkHint: '真人專員將透過即時視訊為您服務',
    questionReceived: '已收到您的問題，謝謝。請在此稍候。',
    agentRequested: '已為您登記專員服務，請留在服務機旁稍候。',
    backToStart: '回到首頁',
    notRegistered: '此服務機尚未登記，請洽現場人員。',
    staffSetup: '人員設定：登記此服務機',
    deviceToken: '裝置權杖',
    register: '登記',
    cancel: '取消',
    tokenRejected: '權杖無效或已撤銷。',
    registeredAs: '服務機',
    sendFailed: '目前無法送出，請稍後再試或洽現場人員。',
  },
  'zh-Hans': {
    welcome: '欢迎光临',
    subtitle: '今天有什么可以帮您？请输入问题、选择常见问题，或与专员视频。',
    askPlaceholder: '请输入您的问题…',
    ask: '提问',
    commonTitle: '常见问题',
    common: ['营业时间是几点？', '我的信用卡丢失了', '查询包裹物流进度', '我想申请退货', '学费如何缴纳？', '如何开立新账户？'],
    talkTitle: '与专员视频',
    talkHint: '真人专员将通过实时视频为您服务',
    questionReceived: '已收到您的问题，谢谢。请在此稍候。',
    agentRequested: '已为您登记专员服务，请留在服务机旁稍候。',
    backToStart: '回到首页',
    notRegistered: '此服务机尚未登记，请联系现场工作人员。',
    staffSetup: '工作人员设置：登记此服务机',
    deviceToken: '设备令牌',
    register: '登记',
    cancel: '取消',
    tokenRejected: '令牌无效或已撤销。',
    registeredAs: '服务机',
    sendFailed: '目前无法发送，请稍后再试或联系现场工作人员。',
  },
  en: {
    welcome: 'Welcome',
    subtitle: 'How can we help you today? Type a question, pick a common one, or talk to an agent.',
    askPlaceholder: 'Type your question…',
    ask: 'Ask',
    commonTitle: 'Common questions',
    common: ['What are your opening hours?', 'I lost my credit card', 'Where is my parcel?', 'I want to return an item', 'How do I pay tuition fees?', 'How do I open a new account?'],
    talkTitle: 'Talk to an agent',
    talkHint: 'A person will serve you by live video',
    questionReceived: 'Thank you, we have your question. Please wait here.',
    agentRequested: 'Your request for an agent is registered. Please stay at the kiosk.',
    backToStart: 'Back to start',
    notRegistered: 'This kiosk is not registered yet. Please ask a member of staff.',
    staffSetup: 'Staff: register this kiosk',
    deviceToken: 'Device token',
    register: 'Register',
    cancel: 'Cancel',
    tokenRejected: 'This token is not valid or has been revoked.',
    registeredAs: 'Kiosk',
    sendFailed: 'This could not be sent. Please try again or ask a member of staff.',
  },
};

export function isKioskLanguage(value: string | null): value is KioskLanguage {
  return value !== null && (KIOSK_LANGUAGES as readonly string[]).includes(value);
}
