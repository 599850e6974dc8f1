import type { CallTexts } from './call/CallView.svelte';

export const KIOSK_LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;
export type KioskLanguage = (typeof KIOSK_LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<KioskLanguage, string> = {
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
  en: 'English',
};

/** The end-of-visit survey (web/src/lib/kiosk/Survey.svelte). */
export interface SurveyTexts {
  starsTitle: string;
  star: (n: number) => string;
  recommendTitle: string;
  score: (n: number) => string;
  notLikely: string;
  veryLikely: string;
  submit: string;
  skip: string;
  thanks: string;
}

interface KioskTexts {
  welcome: string;
  subtitle: string;
  askPlaceholder: string;
  ask: string;
  commonTitle: string;
  common: string[];
  talkTitle: string;
  talkHint: string;
  answerTitle: string;
  analysisOn: string;
  helpful: string;
  yes: string;
  no: string;
  thanksFeedback: string;
  noAnswer: string;
  stillNeedHelp: string;
  clarifyTitle: string;
  noneOfThese: string;
  outOfScope: string;
  routedTo: (topic: string) => string;
  identify: string;
  identifyTitle: string;
  identifyHint: string;
  byCard: string;
  byPhone: string;
  cardNumber: string;
  phoneNumber: string;
  identifyFailed: string;
  identified: (name: string) => string;
  vip: string;
  eta: (seconds: number) => string;
  backToStart: string;
  done: string;
  notRegistered: string;
  staffSetup: string;
  deviceToken: string;
  register: string;
  cancel: string;
  tokenRejected: string;
  registeredAs: string;
  sendFailed: string;
  waitingTitle: string;
  position: (n: number) => string;
  offline: string;
  call: CallTexts;
  ended: Record<string, string>;
  survey: SurveyTexts;
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
    answerTitle: '為您找到的解答',
    analysisOn: '情緒分析已開啟：表情與語音只在本機即時分析，不錄存、不外傳，僅用於提升服務。',
    helpful: '這個解答有幫助嗎？',
    yes: '有幫助',
    no: '沒有幫助',
    thanksFeedback: '謝謝您的回饋！',
    noAnswer: '抱歉，目前還沒有這個問題的解答，我們已記錄下來。您可以請專員協助。',
    stillNeedHelp: '仍需協助？與專員視訊',
    clarifyTitle: '請問您想詢問的是：',
    noneOfThese: '都不是，請專員協助',
    outOfScope: '抱歉，這個問題不在本服務範圍內。您可以換個方式提問，或請專員協助。',
    routedTo: (topic) => `正在為您轉接「${topic}」專員`,
    identify: '會員識別',
    identifyTitle: '以卡號或手機號碼識別身分',
    identifyHint: '識別後可享專屬服務；號碼僅用於本次查詢。',
    byCard: '卡號',
    byPhone: '手機號碼',
    cardNumber: '請輸入卡號',
    phoneNumber: '請輸入手機號碼',
    identifyFailed: '查無此號碼，請確認後再試，或直接繼續使用服務。',
    identified: (name) => `${name}，您好`,
    vip: '貴賓專線',
    eta: (s) => (s < 60 ? '預計等候不到 1 分鐘' : `預計等候約 ${Math.round(s / 60)} 分鐘`),
    backToStart: '回到首頁',
    done: '完成，謝謝',
    notRegistered: '此服務機尚未登記，請洽現場人員。',
    staffSetup: '人員設定：登記此服務機',
    deviceToken: '裝置權杖',
    register: '登記',
    cancel: '取消',
    tokenRejected: '權杖無效或已撤銷。',
    registeredAs: '服務機',
    sendFailed: '目前無法送出，請稍後再試或洽現場人員。',
    waitingTitle: '正在為您安排專員',
    position: (n) => `您目前排在第 ${n} 位`,
    offline: '連線中斷，正在重新連線…',
    call: {
      mute: '靜音', unmute: '取消靜音', cameraOff: '關閉鏡頭', cameraOn: '開啟鏡頭', end: '結束通話',
      chatPlaceholder: '輸入訊息…', send: '送出', chatTitle: '文字訊息', you: '您',
      peerMuted: '專員已靜音', peerCameraOff: '專員已關閉鏡頭', peerReconnecting: '專員連線中斷，正在等候重新連線…', selfReconnecting: '連線中斷，正在重新連線，請稍候…', problem: '視訊通話發生問題，請再試一次或請現場人員協助。',
      quality: { good: '連線良好', fair: '連線普通', poor: '連線不佳', unknown: '連線中' },
    },
    ended: {
      'customer-ended': '通話已結束，謝謝您的來訪。',
      'agent-ended': '專員已結束通話，謝謝您的來訪。',
      'customer-lost': '連線中斷過久，通話已結束。',
      'agent-lost': '專員連線中斷過久，通話已結束。',
      'media-failure': '影音服務發生問題，通話已結束。',
      shutdown: '服務暫停，通話已結束。',
      abandoned: '已取消您的等候。',
    },
    survey: {
      starsTitle: '您這次的體驗如何？',
      star: (n) => `${n} 顆星`,
      recommendTitle: '您有多大可能向親友推薦我們？',
      score: (n) => `${n} 分`,
      notLikely: '0 = 完全不可能',
      veryLikely: '10 = 非常可能',
      submit: '送出評分',
      skip: '略過',
      thanks: '謝謝您的評分，期待再次為您服務！',
    },
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
    answerTitle: '为您找到的解答',
    analysisOn: '情绪分析已开启：表情与语音只在本机实时分析，不留存、不外传，仅用于提升服务。',
    helpful: '这个解答有帮助吗？',
    yes: '有帮助',
    no: '没有帮助',
    thanksFeedback: '谢谢您的反馈！',
    noAnswer: '抱歉，目前还没有这个问题的解答，我们已记录下来。您可以请专员帮助。',
    stillNeedHelp: '仍需帮助？与专员视频',
    clarifyTitle: '请问您想咨询的是：',
    noneOfThese: '都不是，请专员帮助',
    outOfScope: '抱歉，这个问题不在本服务范围内。您可以换个方式提问，或请专员帮助。',
    routedTo: (topic) => `正在为您转接“${topic}”专员`,
    identify: '会员识别',
    identifyTitle: '通过卡号或手机号识别身份',
    identifyHint: '识别后可享专属服务；号码仅用于本次查询。',
    byCard: '卡号',
    byPhone: '手机号',
    cardNumber: '请输入卡号',
    phoneNumber: '请输入手机号',
    identifyFailed: '未找到该号码，请确认后重试，或直接继续使用服务。',
    identified: (name) => `${name}，您好`,
    vip: '贵宾专线',
    eta: (s) => (s < 60 ? '预计等候不到 1 分钟' : `预计等候约 ${Math.round(s / 60)} 分钟`),
    backToStart: '回到首页',
    done: '完成，谢谢',
    notRegistered: '此服务机尚未登记，请联系现场工作人员。',
    staffSetup: '工作人员设置：登记此服务机',
    deviceToken: '设备令牌',
    register: '登记',
    cancel: '取消',
    tokenRejected: '令牌无效或已撤销。',
    registeredAs: '服务机',
    sendFailed: '目前无法发送，请稍后再试或联系现场工作人员。',
    waitingTitle: '正在为您安排专员',
    position: (n) => `您目前排在第 ${n} 位`,
    offline: '连接中断，正在重新连接…',
    call: {
      mute: '静音', unmute: '取消静音', cameraOff: '关闭摄像头', cameraOn: '开启摄像头', end: '结束通话',
      chatPlaceholder: '输入消息…', send: '发送', chatTitle: '文字消息', you: '您',
      peerMuted: '专员已静音', peerCameraOff: '专员已关闭摄像头', peerReconnecting: '专员连接中断，正在等待重新连接…', selfReconnecting: '连接中断，正在重新连接，请稍候…', problem: '视频通话出现问题，请再试一次或请现场人员协助。',
      quality: { good: '连接良好', fair: '连接一般', poor: '连接较差', unknown: '连接中' },
    },
    ended: {
      'customer-ended': '通话已结束，谢谢您的光临。',
      'agent-ended': '专员已结束通话，谢谢您的光临。',
      'customer-lost': '连接中断过久，通话已结束。',
      'agent-lost': '专员连接中断过久，通话已结束。',
      'media-failure': '音视频服务出现问题，通话已结束。',
      shutdown: '服务暂停，通话已结束。',
      abandoned: '已取消您的等候。',
    },
    survey: {
      starsTitle: '您这次的体验如何？',
      star: (n) => `${n} 颗星`,
      recommendTitle: '您有多大可能向亲友推荐我们？',
      score: (n) => `${n} 分`,
      notLikely: '0 = 完全不可能',
      veryLikely: '10 = 非常可能',
      submit: '提交评分',
      skip: '跳过',
      thanks: '谢谢您的评分，期待再次为您服务！',
    },
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
    answerTitle: 'Here is what we found',
    analysisOn: 'Emotion analysis is on: your expressions and voice are analysed on this device only, never stored or sent, to help us serve you better.',
    helpful: 'Did this answer your question?',
    yes: 'Yes, it helped',
    no: 'No',
    thanksFeedback: 'Thank you for telling us!',
    noAnswer: "Sorry, we have no answer to this yet; we have noted the question. An agent can help you.",
    stillNeedHelp: 'Still need help? Talk to an agent',
    clarifyTitle: 'Did you mean:',
    noneOfThese: 'None of these: talk to an agent',
    outOfScope: "Sorry, that is outside what this service can help with. Try asking another way, or talk to an agent.",
    routedTo: (topic) => `Connecting you to an agent for: ${topic}`,
    identify: 'Identify',
    identifyTitle: 'Identify with your card or phone number',
    identifyHint: 'Members get dedicated service; the number is used only for this look-up.',
    byCard: 'Card',
    byPhone: 'Phone',
    cardNumber: 'Card number',
    phoneNumber: 'Phone number',
    identifyFailed: 'We could not find that number. Please check it, or simply carry on.',
    identified: (name) => `Hello, ${name}`,
    vip: 'VIP line',
    eta: (s) => (s < 60 ? 'Expected wait: under a minute' : `Expected wait: about ${Math.round(s / 60)} min`),
    backToStart: 'Back to start',
    done: "I'm done",
    notRegistered: 'This kiosk is not registered yet. Please ask a member of staff.',
    staffSetup: 'Staff: register this kiosk',
    deviceToken: 'Device token',
    register: 'Register',
    cancel: 'Cancel',
    tokenRejected: 'This token is not valid or has been revoked.',
    registeredAs: 'Kiosk',
    sendFailed: 'This could not be sent. Please try again or ask a member of staff.',
    waitingTitle: 'Finding an agent for you',
    position: (n) => `You are number ${n} in line`,
    offline: 'Connection lost, reconnecting…',
    call: {
      mute: 'Mute', unmute: 'Unmute', cameraOff: 'Camera off', cameraOn: 'Camera on', end: 'End call',
      chatPlaceholder: 'Type a message…', send: 'Send', chatTitle: 'Messages', you: 'You',
      peerMuted: 'Agent muted', peerCameraOff: 'Agent camera off', peerReconnecting: 'The agent lost the connection; waiting for them to come back…', selfReconnecting: 'Connection lost; reconnecting, please wait…', problem: 'Something went wrong with the video call. Please try again or ask a member of staff.',
      quality: { good: 'Good connection', fair: 'Fair connection', poor: 'Poor connection', unknown: 'Connecting' },
    },
    ended: {
      'customer-ended': 'The call has ended. Thank you for visiting.',
      'agent-ended': 'The agent ended the call. Thank you for visiting.',
      'customer-lost': 'The connection was lost for too long, so the call has ended.',
      'agent-lost': "The agent's connection was lost for too long, so the call has ended.",
      'media-failure': 'The video service had a problem, so the call has ended.',
      shutdown: 'The service is pausing, so the call has ended.',
      abandoned: 'Your request has been cancelled.',
    },
    survey: {
      starsTitle: 'How was your visit?',
      star: (n) => (n === 1 ? '1 star' : `${n} stars`),
      recommendTitle: 'How likely are you to recommend us?',
      score: (n) => `${n} out of 10`,
      notLikely: '0 = not at all likely',
      veryLikely: '10 = extremely likely',
      submit: 'Submit',
      skip: 'Skip',
      thanks: 'Thank you for your rating. We hope to see you again!',
    },
  },
};

export function isKioskLanguage(value: string | null): value is KioskLanguage {
  return value !== null && (KIOSK_LANGUAGES as readonly string[]).includes(value);
}
