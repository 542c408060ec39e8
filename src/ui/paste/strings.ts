// The paste dialog's words in English and Chinese. Kept beside the dialog: the tool names
// (iptables-save, ip -j addr, ...) and the accessible names stay as they are in both languages.
import type { Lang } from '../i18n';

export interface PasteDict {
  readonly button: string;
  readonly title: string;
  readonly intro: string;
  readonly host: string;
  readonly newHost: string;
  readonly newName: string;
  readonly hint: (command: string) => string;
  readonly looksLike: (command: string) => string;
  readonly openFiles: string;
  readonly dropHint: string;
  readonly fromFile: (name: string, mb: string) => string;
  readonly clear: string;
  readonly notRecognised: (name: string) => string;
  readonly tooLarge: (name: string, mb: number) => string;
  readonly import: string;
  readonly cancel: string;
  readonly close: string;
  readonly reading: (step: string) => string;
  readonly readingLines: (step: string, done: number, total: number) => string;
  readonly running: string;
  readonly done: (host: string) => string;
  readonly notes: string;
  readonly failed: string;
}

const n = (x: number, lang: Lang) => x.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');

const en: PasteDict = {
  button: 'Paste node…',
  title: 'Paste your own node',
  intro:
    'Paste what a real machine prints, one output per box (or open the files); the host is built from it. Leave a box empty to keep that part of an existing host.',
  host: 'Host',
  newHost: 'New host',
  newName: 'Name of the new host',
  hint: (c) => `the output of ${c}`,
  looksLike: (c) => `This looks like the output of ${c}.`,
  openFiles: 'Open files…',
  dropHint: 'or drop files here',
  fromFile: (name, mb) => `${name}: ${mb} MB, from a file`,
  clear: 'Clear',
  notRecognised: (name) => `${name}: not the output of iptables-save, ip -j addr, ip -j route or sysctl -a`,
  tooLarge: (name, mb) => `${name}: larger than ${mb} MB`,
  import: 'Import',
  cancel: 'Cancel',
  close: 'Close',
  reading: (step) => `Reading ${step}…`,
  readingLines: (step, done, total) => `Reading ${step}: line ${n(done, 'en')} of ${n(total, 'en')}`,
  running: 'Running the scenario with the new host…',
  done: (host) => `Built ${host}; the run is on screen.`,
  notes: 'Left out or kept',
  failed: 'Nothing was changed.',
};

const zh: PasteDict = {
  button: '粘贴节点…',
  title: '粘贴你自己的节点',
  intro:
    '把真实机器打印的内容粘贴进来，每个输出一个文本框（或打开文件），据此构建主机。对已有主机，留空的文本框保持该部分不变。',
  host: '主机',
  newHost: '新主机',
  newName: '新主机的名称',
  hint: (c) => `${c} 的输出`,
  looksLike: (c) => `这看起来是 ${c} 的输出。`,
  openFiles: '打开文件…',
  dropHint: '或把文件拖到这里',
  fromFile: (name, mb) => `${name}：${mb} MB，来自文件`,
  clear: '清除',
  notRecognised: (name) => `${name}：不是 iptables-save、ip -j addr、ip -j route 或 sysctl -a 的输出`,
  tooLarge: (name, mb) => `${name}：超过 ${mb} MB`,
  import: '导入',
  cancel: '取消',
  close: '关闭',
  reading: (step) => `正在读取 ${step}…`,
  readingLines: (step, done, total) => `正在读取 ${step}：第 ${n(done, 'zh')} 行，共 ${n(total, 'zh')} 行`,
  running: '正在用新主机运行场景…',
  done: (host) => `已构建 ${host}，运行结果已显示。`,
  notes: '省略或保留的内容',
  failed: '没有做任何更改。',
};

export const pasteStrings: Readonly<Record<Lang, PasteDict>> = { en, zh };
